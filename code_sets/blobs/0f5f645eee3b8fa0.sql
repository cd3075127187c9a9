-- conveyor.run_schedule
-- Runs one schedule now: dispatches its job where route and mode say, deduplicated per schedule (or runs housekeeping); returns the job id.
--
-- What pg_cron, tick, run-now and POST /api/jobs/cron call. A run goes where
-- conveyor.dispatch sends its job type: the jobs table, its pgmq queue, the Inngest
-- outbox (Inngest primary, or fallback with no live worker for the type), and in
-- dual-run mode also the outbox. The 'housekeeping' action always runs here, in
-- the database, so the tables stay trim whatever the mode.
-- Dedup, so a slow or stopped executor never lets scheduled work pile up: while
-- the previous run's work is still waiting at the destination this run goes to,
-- the run hands back that work's job id instead of adding more.
--   jobs table: a job with dedup key schedule:<name> is queued or running;
--   pgmq: the previous run's message is still in its queue (waiting or being read);
--   outbox: the previous run's outbox row is not yet sent (once Inngest has it,
--   Inngest runs and retries it, and a next run is new work).
-- Work left at another destination (a job queued before the mode changed) does
-- not hold back a run now routed elsewhere. Every call is recorded in
-- conveyor.schedule_runs (enqueued = false for a deduplicated run, with the
-- destination), which schedule health compares with the runs the cron expected.
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
    v_route record;
    v_last jsonb;
    v_prev bigint;
    v_job bigint;
    v_new boolean;
    v_pending boolean := false;
    v_dest text;
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
    v_last := v_s.last_dispatch;

    if v_s.action = 'housekeeping' then
        v_result := conveyor.housekeeping();
        v_new := v_result ->> 'status' = 'done';
        v_dest := 'database';
    else
        v_route := conveyor._resolve_route(v_s.job_type);
        if v_route.destination = 'pgmq' and v_last ->> 'destination' = 'pgmq'
            and v_last ->> 'queue' = v_route.queue_name then
            execute pg_catalog.format('select exists (select 1 from pgmq.%I as q where q.msg_id = $1)', 'q_' || v_route.queue_name)
            into v_pending using (v_last ->> 'msg_id')::bigint;
        elsif v_route.destination = 'inngest' and v_last ->> 'destination' = 'inngest' then
            select exists (
                select 1 from conveyor.inngest_outbox as o
                where o.id = (v_last ->> 'outbox_id')::bigint and o.sent_at is null
            ) into v_pending;
        end if;

        if v_pending then
            v_job := (v_last ->> 'job_id')::bigint;
            v_new := false;
            v_dest := v_route.destination;
        else
            select j.id into v_prev
            from conveyor.jobs as j
            where j.job_type = v_s.job_type and j.dedup_key = 'schedule:' || v_s.name;
            v_result := conveyor.dispatch(
                p_job_type => v_s.job_type,
                p_payload => v_s.payload,
                p_priority => v_s.priority,
                p_dedup_key => 'schedule:' || v_s.name
            );
            v_job := (v_result ->> 'job_id')::bigint;
            v_dest := v_result ->> 'destination';
            -- dispatch hands back the waiting job for a taken dedup key (jobs table only).
            v_new := not (v_dest = 'jobs' and v_prev is not null);
            v_last := v_result;
        end if;
    end if;

    update conveyor.schedules as s
    set last_due_at = greatest(s.last_due_at, v_due),
        last_run_at = pg_catalog.now(),
        last_enqueued_at = case when v_new then pg_catalog.now() else s.last_enqueued_at end,
        last_job_id = coalesce(v_job, s.last_job_id),
        last_dispatch = v_last,
        runs = s.runs + 1,
        enqueued = s.enqueued + (case when v_new then 1 else 0 end)
    where s.name = p_name;

    insert into conveyor.schedule_runs (schedule, due_at, job_id, enqueued, via, destination)
    values (p_name, v_due, v_job, v_new, p_via, v_dest);
    return v_job;
end;
$$;
