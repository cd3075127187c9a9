-- Undo 0561_schedule_dispatch: run_schedule of that version enqueues into the jobs table only.
alter table conveyor.schedule_runs drop constraint if exists schedule_runs_destination_known;
alter table conveyor.schedule_runs drop column if exists destination;
alter table conveyor.schedules drop column if exists last_dispatch;
