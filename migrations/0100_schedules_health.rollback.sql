-- Undo 0100_schedules_health.
drop table if exists conveyor.housekeeping_log;
drop table if exists conveyor.schedule_runs;
drop table if exists conveyor.schedules;
drop table if exists conveyor.settings;
