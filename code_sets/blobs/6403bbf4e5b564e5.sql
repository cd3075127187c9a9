-- conveyor.set_schedule_enabled
-- Pauses (false) or resumes (true) a schedule; pg_cron's job is removed or re-created to match.
create or replace function conveyor.set_schedule_enabled(p_name text, p_enabled boolean)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform conveyor._validate_name(p_name, 'schedule');
    if p_enabled is null then
        raise exception 'conveyor: enabled must be true or false' using errcode = '22023';
    end if;
    update conveyor.schedules as s
    set enabled = p_enabled,
        updated_at = pg_catalog.now(),
        -- A resumed schedule is judged from now on, not on the slots it skipped while paused.
        last_due_at = case when p_enabled and not s.enabled then pg_catalog.now() else s.last_due_at end
    where s.name = p_name;
    if not found then
        raise exception 'conveyor: no schedule named %', pg_catalog.quote_literal(p_name) using errcode = '22023';
    end if;
    perform conveyor.reconcile_schedules();
end;
$$;
