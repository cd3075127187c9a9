-- Grants, re-applied after every function: nothing in conveyor is for PUBLIC.
--
-- Postgres grants EXECUTE on new functions to PUBLIC by default, which on Supabase
-- would hand them to anon and authenticated. Revoke it; the owner (the role that
-- migrates) keeps every right. Grant to your own roles on purpose, not here.
revoke all on schema conveyor from public;
revoke all on all tables in schema conveyor from public;
revoke all on all sequences in schema conveyor from public;
revoke all on all functions in schema conveyor from public;

-- RLS on every table of the schema, including yoyo's bookkeeping tables (_yoyo_log,
-- _yoyo_migration, _yoyo_version, yoyo_lock), which yoyo creates here without it.
-- Without policies only the owner (the role that migrates) can see their rows.
do $$
declare
    v_table regclass;
begin
    for v_table in
        select c.oid::regclass
        from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = 'conveyor' and c.relkind in ('r', 'p') and not c.relrowsecurity
    loop
        execute pg_catalog.format('alter table %s enable row level security', v_table);
    end loop;
end
$$;

-- The producer API (functions/grants/98*): conveyor_api's wrappers, for members of
-- conveyor_producer (conveyor.grant_producer). Nothing in schema conveyor.
revoke all on schema conveyor_api from public;
revoke all on all functions in schema conveyor_api from public;
grant usage on schema conveyor_api to conveyor_producer;
grant execute on all functions in schema conveyor_api to conveyor_producer;

-- The reader (conveyor.grant_reader): dashboards select from tables and views and
-- call the read-only functions (stable or immutable ones cannot write), through an
-- RLS policy for conveyor_reader on every table, so it needs no BYPASSRLS. The
-- policies also answer Supabase's linter (rls_enabled_no_policy) without letting
-- anyone else in: a policy names its roles, and anon and authenticated are not one.
grant usage on schema conveyor to conveyor_reader;
grant select on all tables in schema conveyor to conveyor_reader;
do $$
declare
    v_table regclass;
    v_function regprocedure;
begin
    for v_table in
        select c.oid::regclass
        from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where
            n.nspname = 'conveyor' and c.relkind in ('r', 'p')
            and not exists (
                select from pg_catalog.pg_policy as p
                where p.polrelid = c.oid and p.polname = 'conveyor_reader_select'
            )
    loop
        execute pg_catalog.format(
            'create policy conveyor_reader_select on %s for select to conveyor_reader using (true)', v_table
        );
    end loop;
    for v_function in
        select p.oid::regprocedure
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        where n.nspname = 'conveyor' and p.prokind = 'f' and p.provolatile in ('s', 'i')
    loop
        execute pg_catalog.format('grant execute on function %s to conveyor_reader', v_function);
    end loop;
end
$$;

-- health() and the dashboards count pgmq's queues: where pgmq is ours to grant (its
-- SQL installed by the role that migrates), the reader may read them, new queues
-- included. Where another role owns pgmq (Supabase's extension), its owner grants
-- that (docs/operations.md); without it the reader sees no pgmq depth.
do $$
begin
    if
        exists (select from pg_catalog.pg_namespace as n where n.nspname = 'pgmq')
        and pg_catalog.has_schema_privilege('pgmq', 'usage with grant option')
    then
        grant usage on schema pgmq to conveyor_reader;
        grant select on all tables in schema pgmq to conveyor_reader;
        alter default privileges in schema pgmq grant select on tables to conveyor_reader;
    end if;
end
$$;
