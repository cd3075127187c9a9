-- Undo 0560_pgmq_hardening: the old signatures come back with the functions of that version.
drop function if exists conveyor._outbox_add(bigint, text, jsonb, text, timestamptz, integer);
drop function if exists conveyor._pgmq_bury(text, bigint[], integer[], text);
drop function if exists conveyor._pgmq_died(text, jsonb, integer, text, boolean);
drop function if exists conveyor._pgmq_message_problem(jsonb);
drop function if exists conveyor._pgmq_dead_message(jsonb, jsonb);
drop function if exists conveyor._jsonb_bigint(jsonb);
drop function if exists conveyor.prune_pgmq(interval, interval, integer, integer);
delete from conveyor.settings where name in ('outbox_retention', 'pgmq_archive_retention');
