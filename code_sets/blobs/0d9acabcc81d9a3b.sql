-- conveyor.worker_stopped
-- A runner leaving cleanly removes its row, so status stops counting it at once.
create or replace function conveyor.worker_stopped(p_worker text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    delete from conveyor.workers as w where w.name = p_worker;
end;
$$;
