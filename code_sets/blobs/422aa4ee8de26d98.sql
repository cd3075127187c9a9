-- conveyor.code_set
-- The functions/ and cron/ files this database last ran at a schema version, or null.
create or replace function conveyor.code_set(p_version text)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
    select c.files from conveyor.code_sets as c where c.version = p_version;
$$;
