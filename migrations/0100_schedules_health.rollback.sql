-- Undo 0100_schedules_health. Schedules go with their table, and so do the pg_cron
-- jobs conveyor made for them (conveyor_<schedule>, each calling a function that
-- no longer exists below this version). Run by `conveyor migrate --to`, which has
-- dropped the views on these tables first (docs/operations.md, "Rolling back").
do $$
begin
    if pg_catalog.to_regclass('cron.job') is not null then
        perform cron.unschedule(j.jobid)
        from cron.job as j
        where
            j.jobname like 'conveyor\_%'
            and j.database = pg_catalog.current_database()
            and j.username = current_user;
    end if;
end
$$;

drop table if exists conveyor.housekeeping_log;
drop table if exists conveyor.schedule_runs;
drop table if exists conveyor.schedules;
drop table if exists conveyor.settings;
