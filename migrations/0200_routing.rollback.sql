-- Undo 0200_routing. Unsent outbox rows are lost with the table: send them first.
drop table if exists conveyor.inngest_outbox;
drop table if exists conveyor.execution_settings;
drop table if exists conveyor.routes;
