-- conveyor._postgres_healthy
-- True when a live worker (conveyor._worker_live_since, the one definition) handles the job type.
create or replace function conveyor._postgres_healthy(p_job_type text)
returns boolean
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    return exists (
        select 1
        from conveyor.workers as w
        where p_job_type = any(w.job_types)
            and w.last_seen_at > conveyor._worker_live_since()
    );
end;
$$;
