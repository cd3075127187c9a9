-- conveyor._postgres_healthy
-- True when a live worker (heartbeat within settings.unhealthy_after) handles the job type.
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
        from conveyor.workers as w, conveyor.execution_settings as s
        where s.id
            and p_job_type = any(w.job_types)
            and w.last_seen_at > pg_catalog.now() - s.unhealthy_after
    );
end;
$$;
