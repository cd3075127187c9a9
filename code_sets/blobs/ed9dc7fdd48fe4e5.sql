-- conveyor._guard_job_type_delete
-- Refuses to delete a job type while jobs of that type are still queued or running.
--
-- jobs.job_type has no foreign key (its per-row check would cost every enqueue of
-- a 50,000-job batch); this trigger keeps the one guarantee that matters: a job
-- never outlives its type's policy. Dead letters and history may outlive it.
create or replace function conveyor._guard_job_type_delete()
returns trigger
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    if exists (select 1 from conveyor.jobs as j where j.job_type = old.name) then
        raise exception 'conveyor: job type % still has queued or running jobs', pg_catalog.quote_literal(old.name)
            using errcode = '23503',
                  hint = 'Let them finish, or move them to the dead letters first.';
    end if;
    return old;
end;
$$;

create or replace trigger job_types_guard_delete
before delete on conveyor.job_types
for each row execute function conveyor._guard_job_type_delete();
