-- conveyor._cron_field_values
-- Expands one field of a cron expression (*, n, a-b, */s, a-b/s, lists) into its sorted values.
--
-- The five-field syntax pg_cron accepts, without names (jan, mon) or pg_cron 1.5's
-- seconds and "$" extensions: what is refused here is refused before pg_cron sees it.
-- Day of week 7 means Sunday, like 0.
create or replace function conveyor._cron_field_values(p_field text, p_min integer, p_max integer, p_what text)
returns integer[]
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_part text;
    v_base text;
    v_step integer;
    v_lo integer;
    v_hi integer;
    v_values integer[] := '{}';
begin
    if p_field is null or p_field !~ '^[0-9*,/-]+$' then
        raise exception 'conveyor: invalid % field % in cron expression', p_what, coalesce(pg_catalog.quote_literal(p_field), 'NULL')
            using errcode = '22023',
                  hint = 'Use five fields: minute hour day-of-month month day-of-week, each *, n, a-b, */s, a-b/s or a list.';
    end if;
    foreach v_part in array pg_catalog.string_to_array(p_field, ',') loop
        if v_part !~ '^(\*|[0-9]{1,2}|[0-9]{1,2}-[0-9]{1,2})(/[0-9]{1,2})?$' then
            raise exception 'conveyor: invalid % field % in cron expression', p_what, pg_catalog.quote_literal(p_field)
                using errcode = '22023';
        end if;
        v_base := pg_catalog.split_part(v_part, '/', 1);
        v_step := coalesce(nullif(pg_catalog.split_part(v_part, '/', 2), '')::integer, 1);
        if v_base = '*' then
            v_lo := p_min;
            v_hi := p_max;
        elsif v_base ~ '-' then
            v_lo := pg_catalog.split_part(v_base, '-', 1)::integer;
            v_hi := pg_catalog.split_part(v_base, '-', 2)::integer;
        else
            v_lo := v_base::integer;
            v_hi := case when v_part ~ '/' then p_max else v_lo end;
        end if;
        if v_step < 1 or v_lo < p_min or v_hi > p_max or v_lo > v_hi then
            raise exception 'conveyor: % field % is out of range (% to %)', p_what, pg_catalog.quote_literal(p_field), p_min, p_max
                using errcode = '22023';
        end if;
        for v_i in v_lo .. v_hi by v_step loop
            v_values := v_values || (case when p_what = 'day-of-week' and v_i = 7 then 0 else v_i end);
        end loop;
    end loop;
    return array(select distinct v from pg_catalog.unnest(v_values) as v order by v);
end;
$$;
