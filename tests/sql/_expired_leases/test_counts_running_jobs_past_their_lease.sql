-- conveyor._expired_leases counts running jobs whose lease ran out more than the grace ago, with the oldest one's age.
begin;
select plan(6);

do $$
begin
    perform conveyor.register_job_type('lapsed');
    perform conveyor.enqueue('lapsed', pg_catalog.jsonb_build_object('n', i)) from generate_series(1, 4) as i;
    perform conveyor.claim_batch('w1', 3, array['lapsed']);
    -- Three running jobs: leases that ran out 10 minutes and 30 seconds ago, and one still held.
    update conveyor.jobs set locked_until = now() - interval '10 minutes' where (payload ->> 'n')::integer = 1;
    update conveyor.jobs set locked_until = now() - interval '30 seconds' where (payload ->> 'n')::integer = 2;
end $$;

select results_eq(
    $$ select expired, worst_seconds from conveyor._expired_leases() $$,
    $$ values (2::bigint, 600::double precision) $$,
    'no grace: both expired leases, the worst 10 minutes ago (queued and held jobs do not count)'
);
select results_eq(
    $$ select expired, worst_seconds from conveyor._expired_leases(interval '1 minute') $$,
    $$ values (1::bigint, 600::double precision) $$,
    'a grace of a minute leaves out the lease that ran out 30 seconds ago'
);
select results_eq(
    $$ select expired, worst_seconds from conveyor._expired_leases(interval '1 hour') $$,
    $$ values (0::bigint, null::double precision) $$,
    'none past an hour: zero and no age'
);
select throws_ok(
    $$ select * from conveyor._expired_leases(interval '-1 second') $$, '22023', null, 'a negative grace is refused'
);
select throws_ok($$ select * from conveyor._expired_leases(null) $$, '22023', null, 'a null grace is refused');

do $$ begin perform conveyor.rescue_expired(); end $$;
select is((select expired from conveyor._expired_leases()), 0::bigint, 'once rescued, nothing is left');

select * from finish();
rollback;
