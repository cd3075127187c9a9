-- The rule for a name that may become an identifier, written once: the domain
-- conveyor.identifier. Every table constraint on such a name casts it to the domain,
-- and conveyor._validate_name checks a name by assigning it to a variable of that
-- type, so the rule exists nowhere else (the regular expression used to be written in
-- four table constraints, two functions and the runner). The columns stay text, so
-- no view or function result changes type.
--
-- A lower-case ASCII letter, then lower-case letters, digits or underscores, 63 bytes
-- at most (NAMEDATALEN - 1, Postgres' identifier limit), so a type name can also name
-- a pgmq queue or a pg_cron job. Quotes, $$, --, ;, upper case, Unicode look-alikes
-- and the empty string are all refused.
--
-- Two narrower kinds: a pgmq queue name (pgmq names its tables q_<name> and
-- a_<name>, and a partitioned queue's template template_pgmq_q_<name>: 16 bytes of
-- prefix leave 47, pgmq.validate_queue_name; every queue here has a dead-letter queue
-- <name>_dlq, so 47 - 4 = 43), and a schedule name (its pg_cron job is conveyor_<name>:
-- 63 - 9 = 54).
-- depends: 0572_setting_bounds

create domain conveyor.identifier as text
constraint identifier_format check (value ~ '^[a-z][a-z0-9_]{0,62}$');

create domain conveyor.queue_name as conveyor.identifier
constraint queue_name_length check (octet_length(value) <= 43);

create domain conveyor.schedule_name as conveyor.identifier
constraint schedule_name_length check (octet_length(value) <= 54);

-- Each constraint casts the column to its domain: the cast raises when the domain's
-- check fails, and a null (a route without a queue) passes as checks do.
alter table conveyor.job_types
drop constraint job_types_name_format,
add constraint job_types_name_format check ((name::conveyor.identifier) = name);

alter table conveyor.settings
drop constraint settings_name_format,
add constraint settings_name_format check ((name::conveyor.identifier) = name);

alter table conveyor.schedules
drop constraint schedules_name_format,
add constraint schedules_name_format check ((name::conveyor.schedule_name) = name);

alter table conveyor.routes
drop constraint routes_queue_name_format,
add constraint routes_queue_name_format check ((queue_name::conveyor.queue_name) = queue_name);
