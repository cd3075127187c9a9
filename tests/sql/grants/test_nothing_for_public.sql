-- Nothing in schema conveyor is reachable by PUBLIC (Supabase's anon and authenticated): no grant, RLS on every table.
begin;
select plan(5);

select is(
    array(
        select p.oid::regprocedure::text from pg_proc as p
        where
            p.pronamespace = 'conveyor'::regnamespace
            -- A null ACL means the default, which lets PUBLIC execute.
            and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) as a where a.grantee = 0))
        order by 1
    ),
    array[]::text[],
    'no function in conveyor is executable by PUBLIC'
);
select is(
    array(
        select c.relname::text from pg_class as c
        where
            c.relnamespace = 'conveyor'::regnamespace
            and c.relkind in ('r', 'v', 'S')
            and exists (select 1 from aclexplode(c.relacl) as a where a.grantee = 0)
        order by 1
    ),
    array[]::text[],
    'no table, view or sequence in conveyor is granted to PUBLIC'
);
select is(
    array(
        select c.relname::text from pg_class as c
        where
            c.relnamespace = 'conveyor'::regnamespace and c.relkind = 'r' and not c.relrowsecurity
            -- yoyo's bookkeeping tables are created by yoyo, not by our migrations;
            -- the grant checks above still cover them.
            and c.relname !~ '^_?yoyo_'
        order by 1
    ),
    array[]::text[],
    'row level security is enabled on every table of ours'
);
select ok(
    not has_schema_privilege('public', 'conveyor', 'usage'), 'PUBLIC has no usage on the schema'
);
select is(
    array(
        select p.oid::regprocedure::text from pg_proc as p
        where
            p.pronamespace = 'conveyor'::regnamespace
            and not coalesce('search_path=""' = any(p.proconfig), false)
        order by 1
    ),
    array[]::text[],
    'every function runs with an empty search_path'
);

select * from finish();
rollback;
