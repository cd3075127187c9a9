-- conveyor._cron_count
-- How many times a cron expression fires in (p_from, p_to] (UTC): the runs a schedule should have had.
create or replace function conveyor._cron_count(p_expr text, p_from timestamptz, p_to timestamptz)
returns integer
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_c record;
    v_from timestamp := p_from at time zone 'UTC';
    v_to timestamp := p_to at time zone 'UTC';
    v_day date;
    v_at timestamp;
    v_h integer;
    v_m integer;
    v_count integer := 0;
begin
    if p_to - p_from > interval '31 days' then
        raise exception 'conveyor: _cron_count counts at most 31 days' using errcode = '22023';
    end if;
    v_c := conveyor._cron_parse(p_expr);
    v_day := v_from::date;
    while v_day <= v_to::date loop
        if conveyor._cron_day_matches(v_day, v_c.days, v_c.months, v_c.weekdays, v_c.dom_any, v_c.dow_any) then
            foreach v_h in array v_c.hours loop
                foreach v_m in array v_c.minutes loop
                    v_at := v_day + pg_catalog.make_interval(hours => v_h, mins => v_m);
                    if v_at > v_from and v_at <= v_to then
                        v_count := v_count + 1;
                    end if;
                end loop;
            end loop;
        end if;
        v_day := v_day + 1;
    end loop;
    return v_count;
end;
$$;
