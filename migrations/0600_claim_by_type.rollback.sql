-- Undo 0600_claim_by_type: the old ready index (the old claim comes back with that version's code).
create index jobs_priority_run_at_id_idx on conveyor.jobs (priority desc, run_at, id)
where state = 'queued';

drop index conveyor.jobs_job_type_priority_run_at_id_idx;
