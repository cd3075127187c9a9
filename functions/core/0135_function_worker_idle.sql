-- conveyor.worker_idle
-- Registers this session as a worker waiting for NOTIFY on conveyor_jobs; true once a claim made now sees every job nobody will notify.
--
-- Producers skip NOTIFY while no worker is registered (conveyor._notify). A worker
-- about to wait: LISTEN conveyor_jobs (on any session), call this until it returns
-- true (false: a producer that may have skipped its NOTIFY has not committed yet;
-- claim, wait a little, call again), claim once more, and only then wait for a
-- notification. Call conveyor.worker_busy when it has work again, so producers stop
-- paying for NOTIFY. Call it in its own transaction (autocommit): the registration is
-- held by the session, not the transaction.
create or replace function conveyor.worker_idle()
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    if not conveyor._idle_registered() then
        perform conveyor._idle_repair();
        perform pg_catalog.pg_advisory_xact_lock(7311006);
        perform pg_catalog.pg_advisory_lock_shared(7311005);
        perform pg_catalog.setval('conveyor.idle_workers', (select s.last_value + 1 from conveyor.idle_workers as s));
        perform pg_catalog.set_config('conveyor.idle', pg_catalog.pg_backend_pid()::text, false);
    end if;
    -- The barrier: free only while no producer holds the gate shared. A producer that
    -- takes it after our registration reads a count above 0 and sends its NOTIFY.
    if pg_catalog.pg_try_advisory_lock(7311004) then
        perform pg_catalog.pg_advisory_unlock(7311004);
        return true;
    end if;
    return false;
end;
$$;
