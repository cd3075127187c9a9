-- The claim reads each job type through its own range of the ready index (issue 10):
-- a backlog of other types, at any priority, no longer costs a restricted claim
-- anything, and a claim can start where its session's last claim stopped (a
-- row comparison on (-priority, run_at, id)), never walking the consumed head of
-- the index that a held snapshot fills with dead row versions. -priority as an
-- expression makes the whole key ascending, so one row comparison positions the scan.
-- claim_batch gains p_fair, so its old signature is dropped here and the new one is
-- created by functions/core/0320 on the same migrate. The index is built in the
-- migration's transaction: writes to conveyor.jobs wait for it (about a second per
-- million waiting jobs on the development box).
-- depends: 0574_one_settings_table

drop function if exists conveyor.claim_batch(text, integer, text[], interval);

create index jobs_job_type_priority_run_at_id_idx
on conveyor.jobs (job_type, (-(priority::integer)), run_at, id)
where state = 'queued';

drop index conveyor.jobs_priority_run_at_id_idx;
