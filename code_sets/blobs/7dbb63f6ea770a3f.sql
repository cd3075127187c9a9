-- conveyor_api.dispatch
-- conveyor.dispatch for members of conveyor_producer: work goes where its route and the execution mode say.
--
-- Security definer on purpose, for the reasons given in conveyor_api.enqueue; here
-- it also lets a producer reach pgmq and the Inngest outbox without any right on them.
create or replace function conveyor_api.dispatch(
    p_job_type text,
    p_payload jsonb default '{}',
    p_priority integer default null,
    p_run_at timestamptz default null,
    p_delay interval default null,
    p_dedup_key text default null,
    p_max_attempts integer default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return conveyor.dispatch(
        p_job_type => p_job_type, p_payload => p_payload, p_priority => p_priority, p_run_at => p_run_at,
        p_delay => p_delay, p_dedup_key => p_dedup_key, p_max_attempts => p_max_attempts
    );
end;
$$;
