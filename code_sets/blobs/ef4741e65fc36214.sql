-- conveyor._worker_live_since
-- The one definition of a live worker: one whose last heartbeat is after this time (now() - health_worker_stale_after).
--
-- job_status (live_workers), worker_health (live) and fallback routing
-- (conveyor._postgres_healthy) all ask this, so they never disagree about which
-- runners are alive. Runners beat every 5 s; the setting defaults to a minute.
create or replace function conveyor._worker_live_since()
returns timestamptz
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    return pg_catalog.now() - conveyor._setting('health_worker_stale_after', '1 minute')::interval;
end;
$$;
