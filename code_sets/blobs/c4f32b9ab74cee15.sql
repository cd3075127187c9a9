-- conveyor._outbox_add
-- Writes one event for Inngest into conveyor.inngest_outbox, in the caller's transaction; returns the outbox id.
--
-- The event id is the job id (plus '-fallback' for a job that Postgres gave up on,
-- which Inngest must run although it saw the same job id in dual-run mode):
-- Inngest drops a second event with the same id, so a re-send never runs twice.
create or replace function conveyor._outbox_add(
    p_job_id bigint,
    p_job_type text,
    p_payload jsonb,
    p_reason text,
    p_not_before timestamptz default null
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_id bigint;
    v_event_id text := 'conveyor-' || p_job_id || case when p_reason = 'fallback' then '-fallback' else '' end;
begin
    insert into conveyor.inngest_outbox (job_id, job_type, payload, reason, event_id, next_attempt_at)
    values (p_job_id, p_job_type, p_payload, p_reason, v_event_id, coalesce(p_not_before, pg_catalog.now()))
    on conflict (event_id) do nothing
    returning id into v_id;
    if v_id is null then
        select o.id into v_id from conveyor.inngest_outbox as o where o.event_id = v_event_id;
    end if;
    return v_id;
end;
$$;
