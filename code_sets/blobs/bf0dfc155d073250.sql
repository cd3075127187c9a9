-- conveyor.schedule_health
-- One row per schedule: next and last expected slot, last run, runs expected vs run and enqueued in 24 h, and a missed flag.
--
-- The dead man's switch pg_cron lacks: missed is true when an enabled schedule had
-- a slot more than health_schedule_grace ago (and after it was created or last
-- resumed) that no run covered, whether pg_cron is down, its job was deleted, or
-- nobody calls tick. lag is how long that slot has gone unrun.
create or replace view conveyor.schedule_health
with (security_invoker = true)
as
select
    s.name as schedule,
    s.cron,
    s.job_type,
    s.action,
    s.enabled,
    c.expected_at as last_expected_at,
    conveyor._cron_next(s.cron, pg_catalog.now()) as next_run_at,
    s.last_run_at,
    s.last_enqueued_at,
    s.last_job_id,
    conveyor._cron_count(
        s.cron, greatest(pg_catalog.now() - interval '24 hours', s.created_at), pg_catalog.now()
    ) as expected_runs_24h,
    coalesce(r.runs_24h, 0) as runs_24h,
    coalesce(r.enqueued_24h, 0) as enqueued_24h,
    c.missed,
    case when c.missed then pg_catalog.now() - c.checked_slot else interval '0' end as lag
from conveyor.schedules as s
cross join
    lateral (
        select
            conveyor._cron_prev(s.cron, pg_catalog.now()) as expected_at,
            conveyor._cron_prev(
                s.cron, pg_catalog.now() - conveyor._setting('health_schedule_grace', '3 minutes')::interval
            ) as checked_slot
    ) as p
cross join
    lateral (
        select
            p.expected_at,
            p.checked_slot,
            coalesce(
                s.enabled
                and p.checked_slot > greatest(s.created_at, s.last_due_at)
                and (s.last_run_at is null or s.last_run_at < p.checked_slot),
                false
            ) as missed
    ) as c
left join (
    select
        schedule_runs.schedule,
        pg_catalog.count(*) as runs_24h,
        pg_catalog.count(*) filter (where schedule_runs.enqueued) as enqueued_24h
    from conveyor.schedule_runs
    where schedule_runs.ran_at > pg_catalog.now() - interval '24 hours'
    group by schedule_runs.schedule
) as r on s.name = r.schedule;
