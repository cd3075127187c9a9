-- grant_producer and grant_reader refuse the internet-facing roles and unknown ones, granting nothing.
begin;
select plan(8);

do $$
begin
    if not exists (select from pg_roles where rolname = 'anon') then
        create role anon nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin;
    end if;
end
$$;
create role conveyor_pgtap_producer nologin;

select throws_like($$ select conveyor.grant_producer('anon') $$, '%anon may not be granted%', 'anon');
select throws_like(
    $$ select conveyor.grant_producer('authenticated') $$, '%may not be granted%', 'authenticated'
);
select throws_like($$ select conveyor.grant_reader('anon') $$, '%may not be granted%', 'anon as reader');
select throws_like($$ select conveyor.grant_producer('no_such_role_q') $$, '%no role named%', 'unknown role');
select throws_like($$ select conveyor.grant_producer(null) $$, '%no role named NULL%', 'null');
select ok(not pg_has_role('anon', 'conveyor_producer', 'member'), 'anon got nothing');

select lives_ok($$ select conveyor.grant_producer('conveyor_pgtap_producer') $$, 'a role of ours');
select ok(
    has_function_privilege(
        'conveyor_pgtap_producer',
        'conveyor_api.dispatch(text, jsonb, integer, timestamptz, interval, text, integer)',
        'execute'
    )
    and not has_schema_privilege('conveyor_pgtap_producer', 'conveyor', 'usage'),
    'gets the producer API and no right on conveyor'
);

select * from finish();
rollback;
