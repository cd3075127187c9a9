-- conveyor._pgmq_available
-- True when pgmq (the extension or its SQL-only install) is present in this database.
create or replace function conveyor._pgmq_available()
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    return pg_catalog.to_regclass('pgmq.meta') is not null;
end;
$$;
