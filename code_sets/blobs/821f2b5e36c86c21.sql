-- conveyor.claim_outbox
-- Takes up to p_limit due outbox rows for sending, hiding them for p_lease; returns them with their attempt number.
--
-- The lease is the only state: a sender that dies mid-send leaves its rows to be
-- claimed again when the lease runs out, and the event id makes the re-send harmless.
create or replace function conveyor.claim_outbox(p_limit integer default 50, p_lease interval default interval '60 seconds')
returns table (id bigint, job_id bigint, job_type text, payload jsonb, reason text, event_id text, attempts integer)
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_limit is null or p_limit not between 1 and 1000 then
        raise exception 'conveyor: outbox batch % is out of range (1 to 1000)', p_limit using errcode = '22023';
    end if;
    return query
    with c as (
        select o.id
        from conveyor.inngest_outbox as o
        where o.sent_at is null and o.next_attempt_at <= pg_catalog.now()
        order by o.next_attempt_at, o.id
        limit p_limit
        for update skip locked
    )
    update conveyor.inngest_outbox as o
    set attempts = o.attempts + 1,
        next_attempt_at = pg_catalog.now() + coalesce(p_lease, interval '60 seconds')
    from c
    where o.id = c.id
    returning o.id, o.job_id, o.job_type, o.payload, o.reason, o.event_id, o.attempts;
end;
$$;
