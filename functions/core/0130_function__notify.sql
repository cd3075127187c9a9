-- conveyor._notify
-- Wakes idle workers: a NOTIFY on channel conveyor_jobs carrying only the job type, sent only while a worker waits for one.
--
-- Postgres serialises the commits of every transaction that sent a NOTIFY (one
-- global lock from pre-commit to the end of the commit). So a producer sends none
-- while no worker is registered idle (conveyor.idle_workers = 0): a busy worker
-- claims again by itself. The shared gate lock, held to the end of the producer's
-- transaction, is what makes the skip safe: a worker going idle registers first,
-- then waits (conveyor.worker_idle) until no producer that may have read 0 before
-- its registration is still in flight, and only then makes the claim that ends its
-- busy spell. Every producer either sends a NOTIFY the worker hears or commits
-- before that last claim. Keys: 7311004 gate (7311001 migrate, 7311003 housekeeping).
--
-- The payload is never the job (NOTIFY payloads are limited to 8000 bytes), and
-- Postgres folds identical notifications of one transaction into one.
create or replace function conveyor._notify(p_job_type text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    perform pg_catalog.pg_advisory_xact_lock_shared(7311004);
    if (select s.last_value from conveyor.idle_workers as s) > 0 then
        perform pg_catalog.pg_notify('conveyor_jobs', p_job_type);
    end if;
end;
$$;
