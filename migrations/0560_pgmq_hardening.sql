-- pgmq that a bad message cannot block, and growth kept in check (issue 9, item 5).
--
-- Settings for the new pruning done by housekeeping: sent Inngest outbox rows and
-- pgmq's archive tables a_<queue>. Two private functions change their signature:
-- _outbox_add gains the death number that makes a fallback event id differ per
-- death, _pgmq_bury loses its sweep mode (pgmq_read now buries in its own statement);
-- the old forms are dropped here and the new ones created by functions/ on the same migrate.
-- depends: 0551_producers_readers

insert into conveyor.settings (name, value, description)
values
(
    'outbox_retention', '7 days',
    'Inngest outbox rows sent longer ago than this are pruned by housekeeping (at least 1 day)'
),
(
    'pgmq_archive_retention', '7 days',
    'pgmq archive rows (a_<queue>, acknowledged messages) older than this are pruned by housekeeping'
)
on conflict (name) do nothing;

drop function if exists conveyor._outbox_add(bigint, text, jsonb, text, timestamptz);
drop function if exists conveyor._pgmq_bury(text, bigint[], integer[], text, integer);
