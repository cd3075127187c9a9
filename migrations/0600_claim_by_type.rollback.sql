-- Undo 0600_claim_by_type: the old claim signature comes back with the functions of that version.
drop function if exists conveyor.claim_batch(text, integer, text[], interval, boolean);

create index jobs_priority_run_at_id_idx on conveyor.jobs (priority desc, run_at, id)
where state = 'queued';

drop index conveyor.jobs_job_type_priority_run_at_id_idx;
