-- conveyor.worker_health
-- One row per runner that has sent a heartbeat: last heartbeat, its age, jobs in flight, and whether it is live.
--
-- live means a heartbeat within health_worker_stale_after (1 minute by default;
-- runners beat every 5 s). Rows of silent runners are pruned by housekeeping.
create or replace view conveyor.worker_health
with (security_invoker = true)
as
select
    w.name as worker,
    w.hostname,
    w.pid,
    w.job_types,
    w.in_flight,
    w.processed,
    w.started_at,
    w.last_seen_at,
    pg_catalog.now() - w.last_seen_at as heartbeat_age,
    w.last_seen_at > pg_catalog.now() - conveyor._setting('health_worker_stale_after', '1 minute')::interval as live,
    w.failed
from conveyor.workers as w;
