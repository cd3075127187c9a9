-- conveyor.queue_health
-- One row per job type: ready, scheduled, running, completed and failed in the last hour, dead, oldest ready, rate, p50/p95, error rate.
--
-- Reads only the hot jobs table, the last hour of history (through its BRIN index
-- on finished_at) and dead letters within health_dead_window (through died_at):
-- no full scan of history however large it grows. failed_1h counts attempts that
-- failed in the last hour: jobs now waiting to retry plus jobs that died, and pgmq
-- messages' failed reads and burials (job_history outcome 'failed' and 'dead').
-- Completions, rates and run times are jobs-table and pgmq completions alike
-- (outcome 'completed'); dead adds pgmq burials within the window to the jobs
-- table's dead letters. Counts of waiting work (ready, scheduled, running) are the
-- jobs table's: pgmq depths are per queue (conveyor.pgmq_queue_depths).
create or replace view conveyor.queue_health
with (security_invoker = true)
as
select
    t.name as job_type,
    coalesce(j.ready, 0) as ready,
    coalesce(j.scheduled, 0) as scheduled,
    coalesce(j.running, 0) as running,
    coalesce(h.completed_1h, 0) as completed_1h,
    coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0) + coalesce(h.pgmq_failed_1h, 0) as failed_1h,
    coalesce(d.dead, 0) + coalesce(p.dead, 0) as dead,
    j.oldest_ready_age,
    pg_catalog.round(coalesce(h.completed_1h, 0) / 60.0, 2) as per_minute,
    h.p50_seconds,
    h.p95_seconds,
    case
        when
            coalesce(h.completed_1h, 0) + coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0)
            + coalesce(h.pgmq_failed_1h, 0) = 0
            then 0
        else pg_catalog.round(
            (coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0) + coalesce(h.pgmq_failed_1h, 0))::numeric
            / (
                coalesce(h.completed_1h, 0) + coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0)
                + coalesce(h.pgmq_failed_1h, 0)
            ), 4
        )
    end as error_rate,
    h.last_completed_at
from conveyor.job_types as t
left join conveyor._job_counts as j on t.name = j.job_type
left join (
    select
        job_history.job_type,
        pg_catalog.count(*) filter (where job_history.outcome = 'completed') as completed_1h,
        pg_catalog.count(*) filter (where job_history.outcome <> 'completed') as pgmq_failed_1h,
        pg_catalog.max(job_history.finished_at) filter (where job_history.outcome = 'completed') as last_completed_at,
        pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (
            order by extract(epoch from job_history.finished_at - job_history.started_at)
        ) filter (where job_history.outcome = 'completed')::numeric, 4) as p50_seconds,
        pg_catalog.round(pg_catalog.percentile_cont(0.95) within group (
            order by extract(epoch from job_history.finished_at - job_history.started_at)
        ) filter (where job_history.outcome = 'completed')::numeric, 4) as p95_seconds
    from conveyor.job_history
    where job_history.finished_at > pg_catalog.now() - interval '1 hour'
    group by job_history.job_type
) as h on t.name = h.job_type
left join (
    select
        dead_letters.job_type,
        pg_catalog.count(*) as dead,
        pg_catalog.count(*) filter (where dead_letters.died_at > pg_catalog.now() - interval '1 hour') as died_1h
    from conveyor.dead_letters
    where dead_letters.died_at > pg_catalog.now() - conveyor._setting('health_dead_window', '24 hours')::interval
    group by dead_letters.job_type
) as d on t.name = d.job_type
left join (
    select
        job_history.job_type,
        pg_catalog.count(*) as dead
    from conveyor.job_history
    where
        job_history.outcome = 'dead'
        and job_history.finished_at > pg_catalog.now() - conveyor._setting('health_dead_window', '24 hours')::interval
    group by job_history.job_type
) as p on t.name = p.job_type;
