-- conveyor._cron_parse
-- Parses a five-field cron expression into its minute, hour, day, month and weekday sets; raises on bad input.
--
-- dom_any / dow_any record whether the day fields start with "*": as in Vixie cron
-- and pg_cron, when both day fields are restricted a day matches either of them.
create or replace function conveyor._cron_parse(
    p_expr text,
    out minutes integer[],
    out hours integer[],
    out days integer[],
    out months integer[],
    out weekdays integer[],
    out dom_any boolean,
    out dow_any boolean
)
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_fields text[];
begin
    v_fields := pg_catalog.regexp_split_to_array(pg_catalog.btrim(coalesce(p_expr, '')), '\s+');
    if pg_catalog.cardinality(v_fields) <> 5 then
        raise exception 'conveyor: invalid cron expression %', coalesce(pg_catalog.quote_literal(p_expr), 'NULL')
            using errcode = '22023',
                  hint = 'Use five fields in UTC: minute hour day-of-month month day-of-week, e.g. ''*/5 * * * *''.';
    end if;
    minutes := conveyor._cron_field_values(v_fields[1], 0, 59, 'minute');
    hours := conveyor._cron_field_values(v_fields[2], 0, 23, 'hour');
    days := conveyor._cron_field_values(v_fields[3], 1, 31, 'day-of-month');
    months := conveyor._cron_field_values(v_fields[4], 1, 12, 'month');
    weekdays := conveyor._cron_field_values(v_fields[5], 0, 7, 'day-of-week');
    dom_any := v_fields[3] like '*%';
    dow_any := v_fields[5] like '*%';
end;
$$;
