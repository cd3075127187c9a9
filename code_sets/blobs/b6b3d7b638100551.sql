-- conveyor.set_setting
-- Changes a setting after checking the new value is of the setting's kind (a count or an interval); returns it.
--
-- A setting's kind is that of its current value: digits make a count, anything
-- else an interval. Checking here keeps housekeeping and health() from failing
-- later on a value they cannot cast.
create or replace function conveyor.set_setting(p_name text, p_value text)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_old text;
begin
    select s.value into v_old from conveyor.settings as s where s.name = p_name for update;
    if not found then
        raise exception 'conveyor: no setting named %', coalesce(pg_catalog.quote_literal(p_name), 'NULL')
            using errcode = '22023', hint = 'select name, value, description from conveyor.settings;';
    end if;
    if v_old ~ '^[0-9]+$' then
        if p_value is null or p_value !~ '^[0-9]{1,9}$' then
            raise exception 'conveyor: setting % takes a whole number, got %', p_name, coalesce(pg_catalog.quote_literal(p_value), 'NULL')
                using errcode = '22023';
        end if;
    else
        begin
            if p_value is null or p_value::interval <= interval '0' then
                raise exception 'not positive';
            end if;
        exception when others then
            raise exception 'conveyor: setting % takes a positive interval such as ''7 days'', got %',
                p_name, coalesce(pg_catalog.quote_literal(p_value), 'NULL')
                using errcode = '22023';
        end;
    end if;
    update conveyor.settings as s set value = p_value, updated_at = pg_catalog.now() where s.name = p_name;
    return p_value;
end;
$$;
