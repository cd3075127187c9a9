-- conveyor.fail_job
-- Records a failed attempt: retries after a capped, jittered backoff, or dead-letters the job.
--
-- Fenced like complete_job. p_retry_delay overrides the backoff (a handler that knows
-- when to come back, e.g. a rate limit); p_permanent dead-letters at once (an input
-- that can never succeed). Returns 'retry' or 'dead'.
create or replace function conveyor.fail_job(
    p_job_id bigint,
    p_lease_token uuid,
    p_error text,
    p_retry_delay interval default null,
    p_permanent boolean default false
)
returns text
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_job conveyor.jobs;
    v_type conveyor.job_types;
    v_errors jsonb;
begin
    if p_retry_delay < interval '0' then
        raise exception 'conveyor: retry_delay % must not be negative', p_retry_delay using errcode = '22023';
    end if;
    -- The due time's rule (at most 50 years ahead), so a huge delay is refused here, not
    -- overflowed below. Only when one is given: the common failure (backoff) skips the
    -- call and its search_path save and restore, as enqueue does.
    if p_retry_delay is not null then
        perform conveyor._due_at(null, p_retry_delay, 'run_at', 'retry_delay');
    end if;
    select * into v_job
    from conveyor.jobs as j
    where j.id = p_job_id and j.state = 'running' and j.lease_token = p_lease_token
    for update;
    if not found then
        perform conveyor._raise_stale_lease(p_job_id, 'fail');
    end if;
    select * into v_type from conveyor.job_types as t where t.name = v_job.job_type;

    v_errors := v_job.errors || pg_catalog.jsonb_build_object(
        'attempt', v_job.attempts,
        -- An error text is kept up to 8 kB per attempt: enough for a traceback.
        'error', pg_catalog.left(coalesce(p_error, 'unknown error'), 8192),
        'worker', v_job.locked_by,
        'started_at', v_job.started_at,
        'failed_at', pg_catalog.now()
    );

    if coalesce(p_permanent, false) or v_job.attempts >= v_job.max_attempts then
        update conveyor.jobs as j set errors = v_errors where j.id = p_job_id;
        perform conveyor._bury(
            array[p_job_id],
            case when coalesce(p_permanent, false) then 'failed permanently' else 'attempts exhausted' end
        );
        return 'dead';
    end if;

    update conveyor.jobs as j
    set state = 'queued',
        run_at = pg_catalog.now() + coalesce(
            p_retry_delay,
            conveyor.backoff_delay(v_job.attempts, v_type.backoff_base, v_type.backoff_cap)
        ),
        lease_token = null,
        locked_by = null,
        locked_until = null,
        errors = v_errors
    where j.id = p_job_id;
    return 'retry';
end;
$$;
