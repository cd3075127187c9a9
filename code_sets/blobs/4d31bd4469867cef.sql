-- conveyor._setting
-- Returns a setting's value from conveyor.settings, or p_default when the row is missing.
create or replace function conveyor._setting(p_name text, p_default text)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_value text;
begin
    select s.value into v_value from conveyor.settings as s where s.name = p_name;
    return coalesce(v_value, p_default);
end;
$$;
