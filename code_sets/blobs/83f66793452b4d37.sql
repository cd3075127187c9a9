-- conveyor.queue_health
-- One row per job type: ready, scheduled, running, completed and failed in the last hour, dead, oldest ready, rate, p50/p95, error rate.
--
-- Reads only the hot jobs table, the last hour of history (through its BRIN index
-- on finished_at) and dead letters within health_dead_window (through died_at):
-- no full scan of history however large it grows. failed_1h counts attempts that
-- failed in the last hour: jobs now waiting to retry plus jobs that died.
-- run times are finished_at - started_at of the last hour's completions.
create or replace view conveyor.queue_health
with (security_invoker = true)
as
select
    t.name as job_type,
    coalesce(j.ready, 0) as ready,
    coalesce(j.scheduled, 0) as scheduled,
    coalesce(j.running, 0) as running,
    coalesce(h.completed_1h, 0) as completed_1h,
    coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0) as failed_1h,
    coalesce(d.dead, 0) as dead,
    j.oldest_ready_age,
    pg_catalog.round(coalesce(h.completed_1h, 0) / 60.0, 2) as per_minute,
    h.p50_seconds,
    h.p95_seconds,
    case
        when coalesce(h.completed_1h, 0) + coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0) = 0 then 0
        else pg_catalog.round(
            (coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0))::numeric
            / (coalesce(h.completed_1h, 0) + coalesce(j.retry_failed_1h, 0) + coalesce(d.died_1h, 0)), 4
        )
    end as error_rate,
    h.last_completed_at
from conveyor.job_types as t
left join (
    select
        jobs.job_type,
        pg_catalog.count(*) filter (where jobs.state = 'queued' and jobs.run_at <= pg_catalog.now()) as ready,
        pg_catalog.count(*) filter (where jobs.state = 'queued' and jobs.run_at > pg_catalog.now()) as scheduled,
        pg_catalog.count(*) filter (where jobs.state = 'running') as running,
        pg_catalog.count(*) filter (
            where jobs.state = 'queued' and jobs.attempts > 0
            and (jobs.errors -> -1 ->> 'failed_at')::timestamptz > pg_catalog.now() - interval '1 hour'
        ) as retry_failed_1h,
        pg_catalog.now() - pg_catalog.min(jobs.run_at) filter (
            where jobs.state = 'queued' and jobs.run_at <= pg_catalog.now()
        ) as oldest_ready_age
    from conveyor.jobs
    group by jobs.job_type
) as j on t.name = j.job_type
left join (
    select
        job_history.job_type,
        pg_catalog.count(*) as completed_1h,
        pg_catalog.max(job_history.finished_at) as last_completed_at,
        pg_catalog.round(pg_catalog.percentile_cont(0.5) within group (
            order by extract(epoch from job_history.finished_at - job_history.started_at)
        )::numeric, 4) as p50_seconds,
        pg_catalog.round(pg_catalog.percentile_cont(0.95) within group (
            order by extract(epoch from job_history.finished_at - job_history.started_at)
        )::numeric, 4) as p95_seconds
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
) as d on t.name = d.job_type;
