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
