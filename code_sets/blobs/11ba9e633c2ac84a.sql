-- conveyor._cron_next
-- The first time strictly after p_after at which a cron expression fires (UTC), or null within 8 years.
--
-- Walks days, not minutes, so a yearly expression costs a few hundred cheap steps.
-- 8 years covers "0 0 29 2 *" across a skipped leap year (2100).
create or replace function conveyor._cron_next(p_expr text, p_after timestamptz)
returns timestamptz
language plpgsql
stable
set search_path = ''
as $$
declare
    v_c record;
    v_start timestamp := pg_catalog.date_trunc('minute', p_after at time zone 'UTC') + interval '1 minute';
    v_day date;
    v_h integer;
    v_m integer;
begin
    v_c := conveyor._cron_parse(p_expr);
    for v_offset in 0 .. 2922 loop
        v_day := v_start::date + v_offset;
        continue when not conveyor._cron_day_matches(v_day, v_c.days, v_c.months, v_c.weekdays, v_c.dom_any, v_c.dow_any);
        foreach v_h in array v_c.hours loop
            continue when v_offset = 0 and v_h < pg_catalog.date_part('hour', v_start);
            foreach v_m in array v_c.minutes loop
                continue when v_offset = 0 and v_h = pg_catalog.date_part('hour', v_start)
                    and v_m < pg_catalog.date_part('minute', v_start);
                return (v_day + pg_catalog.make_interval(hours => v_h, mins => v_m)) at time zone 'UTC';
            end loop;
        end loop;
    end loop;
    return null;
end;
$$;
