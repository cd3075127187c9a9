-- extend_lease with a wrong token, or on a lease that already ran out, raises CV001 and changes nothing.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
    create temp table before as select * from conveyor.jobs;
end $$;

select throws_ok(
    $$ select conveyor.extend_lease(id, gen_random_uuid()) from claimed $$,
    'CV001', null, 'a wrong token is refused'
);
select bag_eq($$ select * from conveyor.jobs $$, $$ select * from before $$, 'the row is untouched');

-- The lease runs out before the heartbeat arrives (the job is not rescued yet).
update conveyor.jobs set locked_until = now() - interval '1 second';

select throws_ok(
    $$ select conveyor.extend_lease(id, lease_token) from claimed $$,
    'CV001', null, 'an expired lease cannot be revived, even with the right token'
);
select is(
    (select locked_until from conveyor.jobs), now() - interval '1 second', 'the expired lease end is unchanged'
);
select throws_ok(
    $$ select conveyor.extend_lease(id, lease_token, interval '2 days') from claimed $$,
    '22023', null, 'a lease over one day is refused'
);

select * from finish();
rollback;
