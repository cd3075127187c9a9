-- conveyor.set_setting
-- Changes a setting after checking the new value is of the setting's kind and within its bounds; returns it.
--
-- kind, min_value, max_value and choices are the setting's row (migrations 0572,
-- 0574): a count or an interval within its bounds, a boolean ('true' or 'false'),
-- or one of the choices. A row
-- without a kind is read as before: digits make a count. Without bounds a count
-- takes 0 to 999999999 and an interval 1 microsecond to 100 years, so that no value can
-- make housekeeping or health() fail later (a batch of 0 rows never ends a prune;
-- now() minus a million years is out of the timestamp range).
create or replace function conveyor.set_setting(p_name text, p_value text)
returns text
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_s conveyor.settings;
    v_kind text;
    v_ok boolean;
begin
    select * into v_s from conveyor.settings as s where s.name = p_name for update;
    if not found then
        raise exception 'conveyor: no setting named %', coalesce(pg_catalog.quote_literal(pg_catalog.left(p_name, 100)), 'NULL')
            using errcode = '22023', hint = 'select name, value, description from conveyor.settings;';
    end if;
    v_kind := coalesce(v_s.kind, case when v_s.value ~ '^[0-9]+$' then 'count' else 'interval' end);
    if v_kind = 'boolean' then
        if p_value is null or p_value not in ('true', 'false') then
            raise exception 'conveyor: setting % takes true or false, got %', p_name,
                coalesce(pg_catalog.quote_literal(pg_catalog.left(p_value, 100)), 'NULL')
                using errcode = '22023';
        end if;
    elsif v_kind = 'choice' then
        if p_value is null or not p_value = any(v_s.choices) then
            raise exception 'conveyor: setting % takes one of %, got %', p_name, pg_catalog.array_to_string(v_s.choices, ', '),
                coalesce(pg_catalog.quote_literal(pg_catalog.left(p_value, 100)), 'NULL')
                using errcode = '22023';
        end if;
    else
        begin
            if v_kind = 'count' then
                v_ok := p_value ~ '^[0-9]{1,10}$'
                    and p_value::bigint between coalesce(v_s.min_value, '0')::bigint and coalesce(v_s.max_value, '999999999')::bigint;
            else
                v_ok := p_value::interval between coalesce(v_s.min_value, '1 microsecond')::interval
                    and coalesce(v_s.max_value, '100 years')::interval;
            end if;
        exception when others then
            v_ok := false;
        end;
        if not coalesce(v_ok, false) then
            raise exception 'conveyor: setting % takes % from % to %, got %', p_name,
                case when v_kind = 'count' then 'a whole number' else 'an interval' end,
                coalesce(v_s.min_value, case when v_kind = 'count' then '0' else '1 microsecond' end),
                coalesce(v_s.max_value, case when v_kind = 'count' then '999999999' else '100 years' end),
                coalesce(pg_catalog.quote_literal(pg_catalog.left(p_value, 100)), 'NULL')
                using errcode = '22023';
        end if;
    end if;
    update conveyor.settings as s set value = p_value, updated_at = pg_catalog.now() where s.name = p_name;
    return p_value;
end;
$$;
