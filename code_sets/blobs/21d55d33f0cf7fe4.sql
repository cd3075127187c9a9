-- conveyor.remove_schedule
-- Deletes a schedule and its pg_cron job; raises when there is no such schedule.
create or replace function conveyor.remove_schedule(p_name text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform conveyor._validate_name(p_name, 'schedule');
    delete from conveyor.schedules as s where s.name = p_name;
    if not found then
        raise exception 'conveyor: no schedule named %', pg_catalog.quote_literal(p_name) using errcode = '22023';
    end if;
    perform conveyor.reconcile_schedules();
end;
$$;
