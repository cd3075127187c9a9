-- Undo 0600_hot_path_at_scale: one plain history table again, with every row of every
-- partition, and the old ready index (the old claim comes back with that version's code).
create table conveyor.job_history_plain (
    like conveyor.job_history including defaults including constraints including comments
)
with (autovacuum_vacuum_scale_factor = 0.05);
insert into conveyor.job_history_plain select * from conveyor.job_history;
drop table conveyor.job_history;
alter table conveyor.job_history_plain rename to job_history;
alter table conveyor.job_history add constraint job_history_pkey primary key (id, finished_at);
create index job_history_finished_at_idx on conveyor.job_history using brin (finished_at);
alter table conveyor.job_history enable row level security;
revoke all on conveyor.job_history from public;

create index jobs_priority_run_at_id_idx on conveyor.jobs (priority desc, run_at, id)
where state = 'queued';

drop index conveyor.jobs_job_type_priority_run_at_id_idx;
