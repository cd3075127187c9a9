-- Undo 0573_identifier_domains: each table's own regular expression again.
alter table conveyor.routes
drop constraint routes_queue_name_format,
add constraint routes_queue_name_format check (queue_name ~ '^[a-z][a-z0-9_]{0,42}$');

alter table conveyor.schedules
drop constraint schedules_name_format,
add constraint schedules_name_format check (name ~ '^[a-z][a-z0-9_]{0,53}$');

alter table conveyor.settings
drop constraint settings_name_format,
add constraint settings_name_format check (name ~ '^[a-z][a-z0-9_]{0,62}$');

alter table conveyor.job_types
drop constraint job_types_name_format,
add constraint job_types_name_format check (name ~ '^[a-z][a-z0-9_]{0,62}$');

drop domain conveyor.schedule_name;
drop domain conveyor.queue_name;
drop domain conveyor.identifier;
