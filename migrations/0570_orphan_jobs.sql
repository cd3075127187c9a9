-- Jobs whose type was deleted (a delete racing an uncommitted enqueue, or a dead job
-- requeued after its type was deleted) could never be claimed, and an unfiltered
-- claim_batch stopped at them. Enqueue and requeue now lock the type's row, so no new
-- orphan can appear; the ones already there are moved to the dead letters, where
-- requeue_dead puts them back once their type is registered again.
-- depends: 0562_history_outcomes

with moved as (
    delete from conveyor.jobs as j
    where not exists (select 1 from conveyor.job_types as t where t.name = j.job_type)
    returning j.*
)

insert into conveyor.dead_letters (
    id, job_type, payload, priority, attempts, max_attempts, dedup_key, errors,
    last_error, reason, created_at, started_at
)
select
    m.id,
    m.job_type,
    m.payload,
    m.priority,
    m.attempts,
    m.max_attempts,
    m.dedup_key,
    m.errors,
    m.errors -> -1 ->> 'error' as last_error,
    'job type deleted' as reason,
    m.created_at,
    m.started_at
from moved as m;
