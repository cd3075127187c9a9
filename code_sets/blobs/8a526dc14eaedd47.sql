-- conveyor.health
-- The system's health as jsonb: status healthy, degraded or unhealthy, its metrics, and each problem with a reason and a recommendation.
--
-- Reads each source once (the hot table through conveyor._job_counts, as job_status
-- and queue_health do), then asks one small function per check, each with its
-- threshold from conveyor.settings (the original design's alerts by default):
--   degraded: _health_pending, _health_pgmq_depth, _health_dead (jobs and pgmq
--   _dlq messages), _health_missed_schedules, _health_old_transactions;
--   unhealthy: _health_oldest_pending, _health_stalled.
-- pgmq's _dlq queues count as dead, not as depth: their messages wait for no consumer.
-- Feeds the unauthenticated GET /api/health/queues: no session's pid, user or host.
create or replace function conveyor.health()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_dead_since timestamptz := pg_catalog.now() - conveyor._setting('health_dead_window', '24 hours')::interval;
    v_ready bigint;
    v_scheduled bigint;
    v_running bigint;
    v_oldest interval;
    v_completed_1h bigint;
    v_dead_jobs bigint;
    v_pgmq_dead bigint;
    v_live_workers bigint;
    v_missed text[];
    v_old record;
    v_pgmq boolean := conveyor._pgmq_available();
    v_pgmq_queues jsonb;
    v_pgmq_depth bigint;
    v_problems jsonb;
    v_metrics jsonb;
begin
    select coalesce(pg_catalog.sum(c.ready), 0)::bigint, coalesce(pg_catalog.sum(c.scheduled), 0)::bigint,
           coalesce(pg_catalog.sum(c.running), 0)::bigint, pg_catalog.max(c.oldest_ready_age)
    into v_ready, v_scheduled, v_running, v_oldest
    from conveyor._job_counts as c;
    select pg_catalog.count(*) into v_completed_1h
    from conveyor.job_history as h
    where h.finished_at > pg_catalog.now() - interval '1 hour' and h.outcome = 'completed';
    select pg_catalog.count(*) into v_dead_jobs from conveyor.dead_letters as d where d.died_at > v_dead_since;
    v_pgmq_dead := conveyor._pgmq_dead_since(v_dead_since);
    select pg_catalog.count(*) into v_live_workers from conveyor.worker_health as w where w.live;
    select coalesce(pg_catalog.array_agg(sh.schedule order by sh.schedule), '{}') into v_missed
    from conveyor.schedule_health as sh where sh.missed;
    select * into v_old from conveyor._health_old_transactions();
    if v_pgmq then
        select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'queue', q.queue_name, 'depth', q.depth, 'oldest_seconds', extract(epoch from q.oldest_age),
                   'dead_letter', q.queue_name like '%\_dlq') order by q.queue_name), '[]'),
               coalesce(pg_catalog.sum(q.depth) filter (where q.queue_name not like '%\_dlq'), 0)::bigint
        into v_pgmq_queues, v_pgmq_depth
        from conveyor.pgmq_queue_depths() as q;
    end if;

    select coalesce(pg_catalog.jsonb_agg(c.problem order by c.ord), '[]') into v_problems
    from (
        values
        (1, conveyor._health_pending(v_ready)),
        (2, conveyor._health_pgmq_depth(v_pgmq_depth)),
        (3, conveyor._health_dead(v_dead_jobs + v_pgmq_dead)),
        (4, conveyor._health_oldest_pending(v_oldest)),
        (5, conveyor._health_stalled(v_ready, v_oldest)),
        (6, conveyor._health_missed_schedules(v_missed)),
        (7, v_old.problem)
    ) as c (ord, problem)
    where c.problem is not null;

    v_metrics := pg_catalog.jsonb_build_object(
        'ready', v_ready,
        'scheduled', v_scheduled,
        'running', v_running,
        'oldest_ready_seconds', extract(epoch from v_oldest),
        'completed_1h', v_completed_1h,
        'per_minute', pg_catalog.round(v_completed_1h / 60.0, 2),
        'dead_recent', v_dead_jobs + v_pgmq_dead,
        'live_workers', v_live_workers,
        'missed_schedules', pg_catalog.to_jsonb(v_missed),
        'old_transactions', v_old.open_too_long
    );
    if v_pgmq then
        v_metrics := v_metrics || pg_catalog.jsonb_build_object(
            'pgmq_depth', v_pgmq_depth, 'pgmq_dead_recent', v_pgmq_dead, 'pgmq_queues', v_pgmq_queues
        );
    end if;
    return pg_catalog.jsonb_build_object(
        'status', case
            when v_problems @> '[{"severity": "unhealthy"}]' then 'unhealthy'
            when pg_catalog.jsonb_array_length(v_problems) > 0 then 'degraded'
            else 'healthy'
        end,
        'checked_at', pg_catalog.now(),
        'metrics', v_metrics,
        'problems', v_problems,
        'reasons', coalesce((select pg_catalog.jsonb_agg(p -> 'reason') from pg_catalog.jsonb_array_elements(v_problems) as p), '[]'),
        'execution_mode', conveyor.execution_mode()
    );
end;
$$;
