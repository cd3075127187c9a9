-- Undo 0562_history_outcomes: pgmq failure rows go (that version's readers would count them as completions).
-- The views that read outcome are dropped; that version's functions/ create them again.
drop view if exists conveyor.queue_health;
drop view if exists conveyor.job_status;
delete from conveyor.job_history where outcome <> 'completed';
alter table conveyor.job_history drop constraint if exists job_history_outcome_known;
alter table conveyor.job_history drop column if exists outcome;
alter table conveyor.job_history drop column if exists queue;
