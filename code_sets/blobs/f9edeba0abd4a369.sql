-- conveyor._job_counts
-- The hot table counted per job type: ready, scheduled, running, retrying, retries failed in the last hour, oldest ready.
--
-- The one aggregation of conveyor.jobs behind both conveyor.job_status (the CLI's
-- table) and conveyor.queue_health (health and metrics), so the two never disagree.
-- retrying counts waiting jobs that already failed at least once; retry_failed_1h
-- those whose last failure was within the hour.
create or replace view conveyor._job_counts
with (security_invoker = true)
as
select
    jobs.job_type,
    pg_catalog.count(*) filter (where jobs.state = 'queued' and jobs.run_at <= pg_catalog.now()) as ready,
    pg_catalog.count(*) filter (where jobs.state = 'queued' and jobs.run_at > pg_catalog.now()) as scheduled,
    pg_catalog.count(*) filter (where jobs.state = 'running') as running,
    pg_catalog.count(*) filter (where jobs.state = 'queued' and jobs.attempts > 0) as retrying,
    pg_catalog.count(*) filter (
        where jobs.state = 'queued' and jobs.attempts > 0
        and (jobs.errors -> -1 ->> 'failed_at')::timestamptz > pg_catalog.now() - interval '1 hour'
    ) as retry_failed_1h,
    pg_catalog.now() - pg_catalog.min(jobs.run_at) filter (
        where jobs.state = 'queued' and jobs.run_at <= pg_catalog.now()
    ) as oldest_ready_age
from conveyor.jobs
group by jobs.job_type;
