-- conveyor._cron_day_matches
-- True when a calendar day (UTC) is one on which a parsed cron expression fires.
create or replace function conveyor._cron_day_matches(
    p_day date, p_days integer[], p_months integer[], p_weekdays integer[], p_dom_any boolean, p_dow_any boolean
)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_dom boolean := pg_catalog.date_part('day', p_day)::integer = any(p_days);
    v_dow boolean := pg_catalog.date_part('dow', p_day)::integer = any(p_weekdays);
begin
    if not pg_catalog.date_part('month', p_day)::integer = any(p_months) then
        return false;
    end if;
    if p_dom_any or p_dow_any then
        return v_dom and v_dow;
    end if;
    return v_dom or v_dow;
end;
$$;
