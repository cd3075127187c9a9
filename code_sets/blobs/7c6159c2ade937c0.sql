-- conveyor._pgmq_available
-- True when pgmq (the extension or its SQL-only install) is present in this database and this role may use it.
--
-- pgmq that belongs to another role which granted this one nothing (as when
-- Supabase's admin created the extension) counts as absent: routes to pgmq fall
-- back to the jobs table, as they do without pgmq, instead of every dispatch and
-- health() failing. `conveyor migrate` and `conveyor doctor` say so and give the grant.
create or replace function conveyor._pgmq_available()
returns boolean
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    if not exists (select 1 from pg_catalog.pg_namespace as n where n.nspname = 'pgmq') then
        return false;
    end if;
    -- Checked before to_regclass, which raises without usage on the schema.
    if not pg_catalog.has_schema_privilege('pgmq', 'usage') then
        return false;
    end if;
    if pg_catalog.to_regclass('pgmq.meta') is null then
        return false;
    end if;
    return pg_catalog.has_table_privilege('pgmq.meta', 'select');
end;
$$;
