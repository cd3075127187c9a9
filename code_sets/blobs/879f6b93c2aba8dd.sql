-- conveyor._cron_prev
-- The last time at or before p_at at which a cron expression fired (UTC), or null within 8 years.
create or replace function conveyor._cron_prev(p_expr text, p_at timestamptz)
returns timestamptz
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_c record;
    v_end timestamp := pg_catalog.date_trunc('minute', p_at at time zone 'UTC');
    v_day date;
    v_h integer;
    v_m integer;
begin
    v_c := conveyor._cron_parse(p_expr);
    for v_offset in 0 .. 2922 loop
        v_day := v_end::date - v_offset;
        continue when not conveyor._cron_day_matches(v_day, v_c.days, v_c.months, v_c.weekdays, v_c.dom_any, v_c.dow_any);
        foreach v_h in array array(select h from pg_catalog.unnest(v_c.hours) as h order by h desc) loop
            continue when v_offset = 0 and v_h > pg_catalog.date_part('hour', v_end);
            foreach v_m in array array(select m from pg_catalog.unnest(v_c.minutes) as m order by m desc) loop
                continue when v_offset = 0 and v_h = pg_catalog.date_part('hour', v_end)
                    and v_m > pg_catalog.date_part('minute', v_end);
                return (v_day + pg_catalog.make_interval(hours => v_h, mins => v_m)) at time zone 'UTC';
            end loop;
        end loop;
    end loop;
    return null;
end;
$$;
