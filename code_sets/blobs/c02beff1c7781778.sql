-- conveyor.run_schedule
-- Runs one schedule now: enqueues its job under the dedup key schedule:<name> (or runs housekeeping); returns the job id.
--
-- What pg_cron calls. While the previous run's job is still waiting or running, the
-- dedup key hands back that job instead of a second one, so a slow or stopped
-- worker never lets scheduled work pile up. Every call is recorded in
-- conveyor.schedule_runs (enqueued = false for a deduplicated run), which schedule
-- health compares with the runs the cron expression expected.
-- A paused schedule does nothing unless p_via = 'manual' (run-now).
create or replace function conveyor.run_schedule(
    p_name text,
    p_due_at timestamptz default null,
    p_via text default 'cron'
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_s conveyor.schedules;
    v_due timestamptz;
    v_prev bigint;
    v_job bigint;
    v_new boolean;
    v_result jsonb;
begin
    perform conveyor._validate_name(p_name, 'schedule');
    if p_via is null or p_via not in ('cron', 'tick', 'manual') then
        raise exception 'conveyor: unknown run source %', coalesce(pg_catalog.quote_literal(p_via), 'NULL')
            using errcode = '22023', hint = 'Use cron, tick or manual.';
    end if;
    select * into v_s from conveyor.schedules as s where s.name = p_name for update;
    if not found then
        raise exception 'conveyor: no schedule named %', pg_catalog.quote_literal(p_name) using errcode = '22023';
    end if;
    if not v_s.enabled and p_via <> 'manual' then
        return null;
    end if;
    v_due := coalesce(p_due_at, conveyor._cron_prev(v_s.cron, pg_catalog.now()));

    if v_s.action = 'housekeeping' then
        v_result := conveyor.housekeeping();
        v_new := v_result ->> 'status' = 'done';
    else
        select j.id into v_prev
        from conveyor.jobs as j
        where j.job_type = v_s.job_type and j.dedup_key = 'schedule:' || v_s.name;
        v_job := conveyor.enqueue(
            p_job_type => v_s.job_type,
            p_payload => v_s.payload,
            p_priority => v_s.priority,
            p_dedup_key => 'schedule:' || v_s.name
        );
        v_new := v_prev is null;
    end if;

    update conveyor.schedules as s
    set last_due_at = greatest(s.last_due_at, v_due),
        last_run_at = pg_catalog.now(),
        last_enqueued_at = case when v_new then pg_catalog.now() else s.last_enqueued_at end,
        last_job_id = coalesce(v_job, s.last_job_id),
        runs = s.runs + 1,
        enqueued = s.enqueued + (case when v_new then 1 else 0 end)
    where s.name = p_name;

    insert into conveyor.schedule_runs (schedule, due_at, job_id, enqueued, via)
    values (p_name, v_due, v_job, v_new, p_via);
    return v_job;
end;
$$;
