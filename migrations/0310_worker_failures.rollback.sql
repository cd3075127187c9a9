-- Undo 0310_worker_failures: the old heartbeat signature comes back with the functions of that version.
drop view if exists conveyor.worker_health;
drop function if exists conveyor.worker_heartbeat(text, text[], integer, bigint, text, integer, bigint);
alter table conveyor.workers drop column if exists failed;
