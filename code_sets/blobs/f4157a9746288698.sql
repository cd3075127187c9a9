-- conveyor.list_settings
-- Every setting with its value and what it does, by name: what `conveyor settings list` shows.
create or replace function conveyor.list_settings()
returns table (name text, value text, description text)
language sql
stable
security invoker
set search_path = ''
as $$
    select s.name, s.value, s.description
    from conveyor.settings as s
    order by s.name;
$$;
