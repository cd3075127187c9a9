-- Undo 0570_orphan_jobs: the jobs it moved go back to the hot table, as they were.
with moved as (
    delete from conveyor.dead_letters as d
    where d.reason = 'job type deleted'
    returning d.*
)

insert into conveyor.jobs (
    id, job_type, payload, priority, run_at, attempts, max_attempts, dedup_key, errors, created_at, started_at
)
select
    m.id,
    m.job_type,
    m.payload,
    m.priority,
    m.died_at,
    m.attempts,
    m.max_attempts,
    m.dedup_key,
    m.errors,
    m.created_at,
    m.started_at
from moved as m;
