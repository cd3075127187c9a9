-- conveyor._bury
-- Moves jobs from the hot table to conveyor.dead_letters in one statement; returns how many moved.
--
-- A job is never in both tables nor in neither: the delete and the insert are one
-- statement. The caller decides which jobs (and must hold them or their lease).
create or replace function conveyor._bury(p_job_ids bigint[], p_reason text)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    with moved as (
        delete from conveyor.jobs as j
        where j.id = any(p_job_ids)
        returning j.*
    )
    insert into conveyor.dead_letters (
        id, job_type, payload, priority, attempts, max_attempts, dedup_key, errors,
        last_error, reason, created_at, started_at
    )
    select m.id, m.job_type, m.payload, m.priority, m.attempts, m.max_attempts, m.dedup_key,
           m.errors, m.errors -> -1 ->> 'error', p_reason, m.created_at, m.started_at
    from moved as m;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;
