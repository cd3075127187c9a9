-- conveyor.health
-- The system's health as jsonb: status healthy, degraded or unhealthy, its metrics, and each problem with a reason and a recommendation.
--
-- Thresholds come from conveyor.settings (the original design's alerts by default).
-- degraded: ready jobs > health_pending_max, pgmq depth > health_pgmq_depth_max,
-- dead letters in health_dead_window > health_dead_max, a missed schedule, a
-- transaction in this database open longer than health_old_xact_max (it holds back
-- vacuum). Other roles' transactions are visible in pg_stat_activity only to
-- superusers and members of pg_read_all_stats: grant that role to whoever calls this.
-- unhealthy: the oldest ready job waited > health_oldest_pending_max, or work has
-- waited health_stalled_after with no completion in that time.
-- pgmq depths and the execution mode are included only where those functions
-- exist (the pgmq branch adds them), through dynamic SQL so this compiles without them.
create or replace function conveyor.health()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_pending_max bigint := conveyor._setting('health_pending_max', '50')::bigint;
    v_pgmq_max bigint := conveyor._setting('health_pgmq_depth_max', '100')::bigint;
    v_dead_max bigint := conveyor._setting('health_dead_max', '10')::bigint;
    v_dead_window interval := conveyor._setting('health_dead_window', '24 hours')::interval;
    v_stalled_after interval := conveyor._setting('health_stalled_after', '1 hour')::interval;
    v_oldest_max interval := conveyor._setting('health_oldest_pending_max', '3 hours')::interval;
    v_old_xact_max interval := conveyor._setting('health_old_xact_max', '5 minutes')::interval;
    v_old_xacts bigint;
    v_old_age interval;
    v_ready bigint;
    v_scheduled bigint;
    v_running bigint;
    v_oldest_at timestamptz;
    v_oldest interval;
    v_completed_1h bigint;
    v_completed_recent boolean;
    v_dead bigint;
    v_live_workers bigint;
    v_missed text[];
    v_pgmq jsonb;
    v_pgmq_total bigint;
    v_mode jsonb;
    v_problems jsonb := '[]';
    v_metrics jsonb;
    v_status text;
begin
    select
        pg_catalog.count(*) filter (where j.state = 'queued' and j.run_at <= pg_catalog.now()),
        pg_catalog.count(*) filter (where j.state = 'queued' and j.run_at > pg_catalog.now()),
        pg_catalog.count(*) filter (where j.state = 'running'),
        pg_catalog.min(j.run_at) filter (where j.state = 'queued' and j.run_at <= pg_catalog.now())
    into v_ready, v_scheduled, v_running, v_oldest_at
    from conveyor.jobs as j;
    v_oldest := pg_catalog.now() - v_oldest_at;

    select pg_catalog.count(*) into v_completed_1h
    from conveyor.job_history as h
    where h.finished_at > pg_catalog.now() - interval '1 hour';
    -- A count over the window, not exists(): the planner would answer exists() with a
    -- sequential scan expecting an early match, but recent rows sit at the table's end.
    select pg_catalog.count(*) > 0 into v_completed_recent
    from conveyor.job_history as h
    where h.finished_at > pg_catalog.now() - v_stalled_after;
    select pg_catalog.count(*) into v_dead
    from conveyor.dead_letters as d
    where d.died_at > pg_catalog.now() - v_dead_window;
    select pg_catalog.count(*) into v_live_workers from conveyor.worker_health as w where w.live;
    select coalesce(pg_catalog.array_agg(sh.schedule order by sh.schedule), '{}') into v_missed
    from conveyor.schedule_health as sh where sh.missed;

    -- Same database only: since PostgreSQL 14 only these hold back vacuum of our tables.
    -- The caller's own transaction counts too: if it is old, it holds vacuum back as well.
    -- Only a count and the oldest age: health() feeds an unauthenticated probe, so it
    -- never hands out other sessions' pid, user or application name (conveyor doctor
    -- and pg_stat_activity name them to whoever may see them).
    select pg_catalog.count(*), pg_catalog.clock_timestamp() - pg_catalog.min(a.xact_start)
    into v_old_xacts, v_old_age
    from pg_catalog.pg_stat_activity as a
    where a.datname = pg_catalog.current_database()
        and a.backend_type <> 'autovacuum worker'
        and a.xact_start < pg_catalog.clock_timestamp() - v_old_xact_max;

    if pg_catalog.to_regprocedure('conveyor.pgmq_queue_depths()') is not null then
        execute 'select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('
            '''queue'', q.queue_name, ''depth'', q.depth, '
            '''oldest_seconds'', extract(epoch from q.oldest_age)) order by q.queue_name), ''[]''), '
            'coalesce(pg_catalog.sum(q.depth), 0)::bigint from conveyor.pgmq_queue_depths() as q'
            into v_pgmq, v_pgmq_total;
    end if;
    if pg_catalog.to_regprocedure('conveyor.execution_mode()') is not null then
        execute 'select conveyor.execution_mode()' into v_mode;
    end if;

    if v_ready > v_pending_max then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'pending', 'severity', 'degraded', 'value', v_ready, 'threshold', v_pending_max,
            'reason', pg_catalog.format('%s jobs are ready to run (threshold %s)', v_ready, v_pending_max),
            'recommendation', 'Workers are not keeping up: start more workers or raise --concurrency; '
                || 'check conveyor.queue_health for the job type that is backing up.');
    end if;
    if v_pgmq_total is not null and v_pgmq_total > v_pgmq_max then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'pgmq_depth', 'severity', 'degraded', 'value', v_pgmq_total, 'threshold', v_pgmq_max,
            'reason', pg_catalog.format('pgmq queues hold %s messages (threshold %s)', v_pgmq_total, v_pgmq_max),
            'recommendation', 'Check that the pgmq consumers are running and draining their queues.');
    end if;
    if v_dead > v_dead_max then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'dead', 'severity', 'degraded', 'value', v_dead, 'threshold', v_dead_max,
            'reason', pg_catalog.format('%s jobs died in the last %s (threshold %s)', v_dead, v_dead_window, v_dead_max),
            'recommendation', 'Read the errors with `conveyor dlq list`, fix the cause, then `conveyor dlq requeue`.');
    end if;
    if v_oldest is not null and v_oldest > v_oldest_max then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'oldest_pending', 'severity', 'unhealthy',
            'value', extract(epoch from v_oldest), 'threshold', extract(epoch from v_oldest_max),
            'reason', pg_catalog.format('the oldest ready job has waited %s (threshold %s)',
                pg_catalog.date_trunc('second', v_oldest), v_oldest_max),
            'recommendation', 'A job type may have no live worker with a handler: compare conveyor.job_status '
                || 'with conveyor.worker_health and start a worker for it.');
    end if;
    if v_oldest is not null and v_oldest > v_stalled_after and not v_completed_recent then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'stalled', 'severity', 'unhealthy',
            'value', v_ready, 'threshold', extract(epoch from v_stalled_after),
            'reason', pg_catalog.format('work has waited over %s and no job completed in that time', v_stalled_after),
            'recommendation', 'No worker is processing: check conveyor.worker_health and start or restart the workers.');
    end if;
    if pg_catalog.cardinality(v_missed) > 0 then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'missed_schedule', 'severity', 'degraded', 'value', pg_catalog.to_jsonb(v_missed),
            'threshold', conveyor._setting('health_schedule_grace', '3 minutes'),
            'reason', pg_catalog.format('schedule(s) %s did not run at their last slot',
                pg_catalog.array_to_string(v_missed, ', ')),
            'recommendation', 'Check pg_cron (select * from cron.job_run_details order by start_time desc limit 20) '
                || 'or, without pg_cron, that something calls POST /api/jobs/cron or `conveyor schedule tick` every minute.');
    end if;

    if v_old_xacts > 0 then
        v_problems := v_problems || pg_catalog.jsonb_build_object(
            'check', 'old_transaction', 'severity', 'degraded',
            'value', extract(epoch from v_old_age), 'threshold', extract(epoch from v_old_xact_max),
            'reason', pg_catalog.format(
                '%s transaction(s) open longer than %s, the oldest for %s: '
                || 'vacuum cannot remove row versions of finished jobs',
                v_old_xacts, v_old_xact_max, pg_catalog.date_trunc('second', v_old_age)),
            'recommendation', pg_catalog.format(
                'Find them with `conveyor doctor` or select pid, application_name, state, xact_start, query '
                || 'from pg_stat_activity where xact_start < now() - interval ''%s''; commit or roll them back, '
                || 'or end one with select pg_terminate_backend(<pid>). Set idle_in_transaction_session_timeout '
                || 'to stop it recurring.', v_old_xact_max));
    end if;

    v_status := case
        when v_problems @> '[{"severity": "unhealthy"}]' then 'unhealthy'
        when pg_catalog.jsonb_array_length(v_problems) > 0 then 'degraded'
        else 'healthy'
    end;
    v_metrics := pg_catalog.jsonb_build_object(
        'ready', v_ready,
        'scheduled', v_scheduled,
        'running', v_running,
        'oldest_ready_seconds', extract(epoch from v_oldest),
        'completed_1h', v_completed_1h,
        'per_minute', pg_catalog.round(v_completed_1h / 60.0, 2),
        'dead_recent', v_dead,
        'live_workers', v_live_workers,
        'missed_schedules', pg_catalog.to_jsonb(v_missed),
        'old_transactions', coalesce(v_old_xacts, 0)
    );
    if v_pgmq is not null then
        v_metrics := v_metrics || pg_catalog.jsonb_build_object('pgmq_depth', v_pgmq_total, 'pgmq_queues', v_pgmq);
    end if;
    return pg_catalog.jsonb_build_object(
        'status', v_status,
        'checked_at', pg_catalog.now(),
        'metrics', v_metrics,
        'problems', v_problems,
        'reasons', coalesce((select pg_catalog.jsonb_agg(p -> 'reason') from pg_catalog.jsonb_array_elements(v_problems) as p), '[]'),
        'execution_mode', v_mode
    );
end;
$$;
