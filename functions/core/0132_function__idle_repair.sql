-- conveyor._idle_repair
-- Sets conveyor.idle_workers back to 0 when no session holds an idle registration (a worker that died idle); true if it did.
--
-- A registered session holds lock 7311005 shared until conveyor.worker_busy or its
-- end, so an exclusive try that succeeds proves nobody is registered. Counter changes
-- are serialised by the transaction lock 7311006, held to the end of the caller's
-- transaction: so only worker_idle calls this (a statement of its own), never a long
-- transaction such as housekeeping, which would hold every worker's registration up.
-- A stale count only costs producers NOTIFYs nobody needs until the next registration.
create or replace function conveyor._idle_repair()
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    -- This session's own registration would not conflict with the try below.
    if conveyor._idle_registered() then
        return false;
    end if;
    perform pg_catalog.pg_advisory_xact_lock(7311006);
    if (select s.last_value from conveyor.idle_workers as s) = 0 then
        return false;
    end if;
    if not pg_catalog.pg_try_advisory_lock(7311005) then
        return false;
    end if;
    perform pg_catalog.setval('conveyor.idle_workers', 0);
    perform pg_catalog.pg_advisory_unlock(7311005);
    return true;
end;
$$;
