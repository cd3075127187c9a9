-- pgmq work in every figure (issue 9, item 3): job_history records pgmq outcomes too.
--
-- queue is null for a jobs-table job and names the pgmq queue otherwise. outcome
-- is 'completed' for every row written so far and for every jobs-table row (the
-- jobs table keeps its failures on the job and in dead_letters); a pgmq message
-- leaves no row of its own behind, so a failed read ('failed') and a burial
-- ('dead') are recorded here as well. Readers of completions filter on outcome.
-- Plain column additions with constant defaults: no table rewrite, existing rows
-- read as completed jobs-table rows.
-- depends: 0561_schedule_dispatch

alter table conveyor.job_history add column queue text;
alter table conveyor.job_history add column outcome text not null default 'completed';
alter table conveyor.job_history add constraint job_history_outcome_known check (
    outcome in ('completed', 'failed', 'dead')
);
