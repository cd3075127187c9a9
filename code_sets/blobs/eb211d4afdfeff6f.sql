-- conveyor.enqueue
-- Adds one job and returns its id; with a dedup key already held by a live job, returns that job's id.
--
-- Runs in the caller's transaction, so the job commits or rolls back with the
-- caller's own writes. Idle workers are woken by NOTIFY when the job is due now.
create or replace function conveyor.enqueue(
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
security invoker
set search_path = ''
as $$
declare
    v_type conveyor.job_types;
    v_run_at timestamptz;
    v_id bigint;
begin
    v_type := conveyor._check_job(p_job_type, p_payload, p_priority, p_run_at, p_delay, p_dedup_key, p_max_attempts);

    v_run_at := conveyor._due_at(p_run_at, p_delay);

    -- A dedup key held by a live job yields that job. The holder may finish between
    -- our insert and our look-up (freeing the key): then the insert is tried again.
    loop
        insert into conveyor.jobs (job_type, payload, priority, run_at, max_attempts, dedup_key)
        values (
            p_job_type, p_payload, coalesce(p_priority, v_type.default_priority), v_run_at,
            coalesce(p_max_attempts, v_type.max_attempts), p_dedup_key
        )
        on conflict (job_type, dedup_key) where dedup_key is not null do nothing
        returning id into v_id;
        exit when v_id is not null;

        select j.id into v_id
        from conveyor.jobs as j
        where j.job_type = p_job_type and j.dedup_key = p_dedup_key;
        if v_id is not null then
            return v_id;
        end if;
    end loop;

    if v_run_at <= pg_catalog.now() then
        perform conveyor._notify(p_job_type);
    end if;
    return v_id;
end;
$$;
