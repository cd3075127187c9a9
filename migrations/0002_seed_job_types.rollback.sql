-- Undo 0002_seed_job_types: remove the seeded types that have no live jobs.
delete from conveyor.job_types as t
where
    t.name in (
        'calendar_sync', 'risk_check', 'housekeeping', 'execution', 'order_close', 'alert', 'metric'
    )
    and not exists (select 1 from conveyor.jobs as j where j.job_type = t.name);
