-- Undo 0610_history_partitions: one plain table again, with every row of every partition.
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
