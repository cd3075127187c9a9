-- conveyor.job_status
-- One row per job type: ready, scheduled, running, retrying, completed (24 h), dead, oldest waiting, live handlers.
--
-- retrying counts waiting jobs that already failed at least once; completed_24h
-- reads only the last day of history through its BRIN index (jobs-table and pgmq
-- completions; waiting counts and dead are the jobs table's). live_workers counts
-- runners seen in the last minute that run the type: ready > 0 with live_workers = 0
-- means work is waiting that no running worker has a handler for.
create or replace view conveyor.job_status
with (security_invoker = true)
as
select
    t.name as job_type,
    coalesce(j.ready, 0) as ready,
    coalesce(j.scheduled, 0) as scheduled,
    coalesce(j.running, 0) as running,
    coalesce(j.retrying, 0) as retrying,
    coalesce(h.completed_24h, 0) as completed_24h,
    coalesce(d.dead, 0) as dead,
    j.oldest_ready_age,
    coalesce(w.live_workers, 0) as live_workers
from conveyor.job_types as t
left join conveyor._job_counts as j on t.name = j.job_type
left join (
    select
        job_history.job_type,
        pg_catalog.count(*) as completed_24h
    from conveyor.job_history
    where job_history.finished_at > pg_catalog.now() - interval '24 hours' and job_history.outcome = 'completed'
    group by job_history.job_type
) as h on t.name = h.job_type
left join (
    select
        dead_letters.job_type,
        pg_catalog.count(*) as dead
    from conveyor.dead_letters
    group by dead_letters.job_type
) as d on t.name = d.job_type
left join lateral (
    select pg_catalog.count(*) as live_workers
    from conveyor.workers as wk
    where
        wk.last_seen_at > pg_catalog.now() - interval '1 minute'
        and t.name = any(wk.job_types)
) as w on true;
