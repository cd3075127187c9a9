-- conveyor._pgmq_record
-- Writes one job_history row for a pgmq outcome ('completed', 'failed' or 'dead') when the message's job type keeps history.
--
-- So the rate, success ratio, run-time and error-rate figures include pgmq work.
-- id is the message's job_id, or its msg_id when it has none; attempts is its read
-- count; the run started at p_started_at (the read, where pgmq stamps
-- last_read_at), or is taken to have started when it ended. finished_at is the
-- clock time, so the failed reads of one message in one transaction stay apart
-- under job_history's key (id, finished_at); a clash (two producers' messages with
-- one job_id at one microsecond) drops the record, never the caller's work.
create or replace function conveyor._pgmq_record(
    p_queue text,
    p_message jsonb,
    p_msg_id bigint,
    p_read_ct integer,
    p_enqueued_at timestamptz,
    p_started_at timestamptz,
    p_outcome text
)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    insert into conveyor.job_history (
        id, job_type, priority, attempts, created_at, started_at, finished_at, worker, queue, outcome
    )
    select coalesce(conveyor._jsonb_bigint(p_message -> 'job_id'), p_msg_id), t.name, 0, coalesce(p_read_ct, 0),
           coalesce(p_enqueued_at, pg_catalog.now()), coalesce(p_started_at, pg_catalog.now()),
           pg_catalog.clock_timestamp(), null, p_queue, p_outcome
    from conveyor.job_types as t
    where t.name = p_message ->> 'job_type' and t.keep_history
    on conflict do nothing;
end;
$$;
