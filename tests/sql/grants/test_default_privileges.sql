-- A function the migrating role creates later, in conveyor or pgmq, is not executable by PUBLIC.
-- The per-schema "alter default privileges ... revoke" did nothing; the role's global default does.
begin;
select plan(3);

create function conveyor.zz_added_later() returns integer language sql as 'select 1';
create function pgmq.zz_added_later() returns integer language sql as 'select 1';

select ok(
    not exists (
        select 1 from pg_proc as p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
        where p.oid = 'conveyor.zz_added_later()'::regprocedure and a.grantee = 0
    ),
    'a function added to conveyor outside migrate has no PUBLIC execute'
);
select ok(
    not exists (
        select 1 from pg_proc as p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
        where p.oid = 'pgmq.zz_added_later()'::regprocedure and a.grantee = 0
    ),
    'nor one added to pgmq'
);
select ok(
    exists (
        select 1 from pg_default_acl as d
        where d.defaclrole = current_user::regrole and d.defaclnamespace = 0 and d.defaclobjtype = 'f'
    ),
    'the migrating role has a global default for functions'
);

select * from finish();
rollback;
