-- The original design's schedules, in UTC, declared idempotently, then pg_cron reconciled.
--
-- p_replace => false: a declared schedule is created when missing and otherwise left
-- as the operator set it (paused, re-timed). A removed one comes back on the next
-- migrate: pause a declared schedule instead of removing it. The housekeeping
-- schedule runs conveyor.housekeeping() in the database (action 'housekeeping'), so
-- the tables stay trim even while no worker runs.
select conveyor.add_schedule(
    p_name => 'calendar_sync', p_cron => '*/30 * * * *', p_job_type => 'calendar_sync',
    p_description => 'Sync calendars every 30 minutes', p_replace => false
);
select conveyor.add_schedule(
    p_name => 'risk_check', p_cron => '*/5 * * * *', p_job_type => 'risk_check',
    p_description => 'Check risk limits every 5 minutes', p_replace => false
);
select conveyor.add_schedule(
    p_name => 'housekeeping', p_cron => '0 3 * * *', p_job_type => 'housekeeping',
    p_description => 'Daily maintenance at 03:00 UTC', p_action => 'housekeeping', p_replace => false
);
select conveyor.reconcile_schedules();
