-- conveyor.add_schedule
-- Creates (or, with p_replace, updates) a schedule, then reconciles pg_cron; returns the schedule's row.
--
-- p_replace => false only inserts a missing schedule: cron/*.sql declares the
-- built-in schedules this way, so an operator's later edits survive every migrate.
create or replace function conveyor.add_schedule(
    p_name text,
    p_cron text,
    p_job_type text,
    p_payload jsonb default '{}',
    p_priority integer default null,
    p_enabled boolean default true,
    p_description text default null,
    p_action text default 'enqueue',
    p_replace boolean default true
)
returns conveyor.schedules
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_row conveyor.schedules;
begin
    perform conveyor._validate_name(p_name, 'schedule');
    if pg_catalog.length(p_name) > 54 then
        raise exception 'conveyor: schedule name % is longer than 54 characters', pg_catalog.quote_literal(p_name)
            using errcode = '22023', hint = 'Its pg_cron job is named conveyor_<name>, which must fit in 63 bytes.';
    end if;
    perform conveyor._cron_parse(p_cron);
    perform conveyor._validate_name(p_job_type);
    if not exists (select 1 from conveyor.job_types as t where t.name = p_job_type) then
        raise exception 'conveyor: unknown job type %', pg_catalog.quote_literal(p_job_type)
            using errcode = '22023',
                  hint = 'Register it first: select conveyor.register_job_type(''' || p_job_type || ''');';
    end if;
    if p_payload is null or pg_catalog.jsonb_typeof(p_payload) <> 'object' then
        raise exception 'conveyor: payload of schedule % must be a JSON object', p_name using errcode = '22023';
    end if;
    if p_priority is not null and p_priority not between -32768 and 32767 then
        raise exception 'conveyor: priority % is out of range (-32768 to 32767)', p_priority using errcode = '22023';
    end if;
    if p_action is null or p_action not in ('enqueue', 'housekeeping') then
        raise exception 'conveyor: unknown schedule action %', coalesce(pg_catalog.quote_literal(p_action), 'NULL')
            using errcode = '22023', hint = 'Use enqueue or housekeeping.';
    end if;

    insert into conveyor.schedules as s (name, cron, job_type, payload, priority, enabled, description, action)
    values (
        p_name, pg_catalog.regexp_replace(pg_catalog.btrim(p_cron), '\s+', ' ', 'g'), p_job_type, p_payload,
        p_priority, coalesce(p_enabled, true), p_description, p_action
    )
    on conflict (name) do nothing
    returning * into v_row;

    if v_row.name is null then
        if p_replace then
            update conveyor.schedules as s
            set cron = pg_catalog.regexp_replace(pg_catalog.btrim(p_cron), '\s+', ' ', 'g'),
                job_type = p_job_type,
                payload = p_payload,
                priority = p_priority,
                enabled = coalesce(p_enabled, s.enabled),
                description = coalesce(p_description, s.description),
                action = p_action,
                updated_at = pg_catalog.now()
            where s.name = p_name
            returning * into v_row;
        else
            select * into v_row from conveyor.schedules as s where s.name = p_name;
        end if;
    end if;
    perform conveyor.reconcile_schedules();
    return v_row;
end;
$$;
