-- Undo 0001_core. Functions are dropped with the types they use; yoyo's own
-- bookkeeping tables stay, so the schema itself is kept.
drop table if exists conveyor.workers;
drop table if exists conveyor.dead_letters;
drop table if exists conveyor.job_history;
drop table if exists conveyor.jobs;
drop table if exists conveyor.job_types;
drop type if exists conveyor.job_state cascade;
