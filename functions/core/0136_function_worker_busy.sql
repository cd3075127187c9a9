-- conveyor.worker_busy
-- Ends this session's idle registration (conveyor.worker_idle): producers stop sending NOTIFY for it; a no-op when not registered.
create or replace function conveyor.worker_busy()
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    if conveyor._idle_registered() then
        perform pg_catalog.pg_advisory_xact_lock(7311006);
        perform pg_catalog.setval(
            'conveyor.idle_workers', (select greatest(s.last_value - 1, 0) from conveyor.idle_workers as s)
        );
        perform pg_catalog.pg_advisory_unlock_shared(7311005);
        perform pg_catalog.set_config('conveyor.idle', '', false);
    end if;
end;
$$;
