-- Undo 0551_producers_readers. The group roles go when no other database of the
-- cluster still grants them anything; otherwise they stay, with nothing here.
drop index if exists conveyor.schedules_job_type_idx;
alter table conveyor.job_history drop constraint if exists job_history_pkey;
drop schema if exists conveyor_api cascade;

-- The reader's policies, made by functions/grants/9900_grants.sql on every table.
do $$
declare
    v_policy record;
begin
    for v_policy in
        select p.schemaname, p.tablename, p.policyname from pg_catalog.pg_policies as p
        where p.schemaname = 'conveyor' and p.policyname = 'conveyor_reader_select'
    loop
        execute pg_catalog.format(
            'drop policy %I on %I.%I', v_policy.policyname, v_policy.schemaname, v_policy.tablename
        );
    end loop;
end
$$;

do $$
declare
    v_role text;
begin
    foreach v_role in array array['conveyor_producer', 'conveyor_reader'] loop
        if exists (select from pg_catalog.pg_roles where rolname = v_role) then
            -- What functions/grants/9900_grants.sql gave it here (drop owned would need
            -- membership in the role, which a non-superuser migrator lacks on PostgreSQL 15).
            execute pg_catalog.format('revoke all on all tables in schema conveyor from %I', v_role);
            execute pg_catalog.format('revoke all on all functions in schema conveyor from %I', v_role);
            execute pg_catalog.format('revoke all on schema conveyor from %I', v_role);
            if
                exists (select from pg_catalog.pg_namespace as n where n.nspname = 'pgmq')
                and pg_catalog.has_schema_privilege('pgmq', 'usage with grant option')
            then
                execute pg_catalog.format('revoke all on all tables in schema pgmq from %I', v_role);
                execute pg_catalog.format('revoke all on schema pgmq from %I', v_role);
                execute pg_catalog.format(
                    'alter default privileges in schema pgmq revoke select on tables from %I', v_role
                );
            end if;
            begin
                execute pg_catalog.format('drop role %I', v_role);
            exception when dependent_objects_still_exist then
                raise notice 'conveyor: role % kept: another database still grants it privileges', v_role;
            end;
        end if;
    end loop;
end
$$;
