-- conveyor._pgmq_available
-- True when pgmq (the extension or its SQL-only install) is present in this database.
create or replace function conveyor._pgmq_available()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    if not exists (select 1 from pg_catalog.pg_namespace as n where n.nspname = 'pgmq') then
        return false;
    end if;
    if not pg_catalog.has_schema_privilege('pgmq', 'usage') then
        raise exception 'conveyor: this role may not read pgmq''s queues'
            using errcode = '42501',
                  hint = 'grant usage on schema pgmq and select on all tables in schema pgmq to it.';
    end if;
    return pg_catalog.to_regclass('pgmq.meta') is not null;
end;
$$;
