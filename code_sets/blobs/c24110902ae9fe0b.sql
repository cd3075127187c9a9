-- conveyor_api.enqueue
-- conveyor.enqueue for producers outside the runner: members of conveyor_producer (conveyor.grant_producer).
--
-- Security definer, on purpose: conveyor's functions run with the caller's rights,
-- so a producer calling conveyor.enqueue would need the job tables themselves
-- (select on job_types, insert on jobs), which would let it write any row there.
-- This wrapper runs as conveyor's owner and does exactly one thing, the validated
-- enqueue; the producer needs no right on schema conveyor. search_path is empty and
-- every name qualified, so a caller cannot shadow what it calls.
create or replace function conveyor_api.enqueue(
    p_job_type text,
    p_payload jsonb default '{}',
    p_priority integer default null,
    p_run_at timestamptz default null,
    p_delay interval default null,
    p_dedup_key text default null,
    p_max_attempts integer default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return conveyor.enqueue(
        p_job_type => p_job_type, p_payload => p_payload, p_priority => p_priority, p_run_at => p_run_at,
        p_delay => p_delay, p_dedup_key => p_dedup_key, p_max_attempts => p_max_attempts
    );
end;
$$;
