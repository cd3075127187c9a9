-- conveyor._pgmq_died
-- What follows a pgmq message's death: in fallback mode, hand it to Inngest through the outbox (a new event per death).
--
-- Called once per buried message, in the statement's transaction, by pgmq_read and
-- _pgmq_bury with the dead-letter message as stored. Only a message with a usable
-- job id and job type is handed on; a message dead-lettered as unusable
-- (p_exhausted false) is a bad input, not an outage, and stays in its DLQ.
create or replace function conveyor._pgmq_died(
    p_queue text,
    p_dead_message jsonb,
    p_read_ct integer,
    p_reason text,
    p_exhausted boolean
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_job_id bigint := conveyor._jsonb_bigint(p_dead_message -> 'job_id');
    v_payload jsonb := p_dead_message -> 'payload';
begin
    if p_exhausted and v_job_id is not null
        and exists (
            select 1 from conveyor.execution_settings as s
            where s.id and s.inngest_fallback and not s.dual_run and s.primary_executor = 'postgres'
        ) then
        perform conveyor._outbox_add(
            v_job_id, p_dead_message ->> 'job_type',
            case when pg_catalog.jsonb_typeof(v_payload) = 'object' then v_payload else '{}'::jsonb end,
            'fallback', null,
            (p_dead_message -> 'dead' ->> 'death')::integer
        );
    end if;
end;
$$;
