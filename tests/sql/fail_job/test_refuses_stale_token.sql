-- fail_job with a wrong or superseded lease token raises CV001 and leaves the row untouched.
begin;
select plan(6);

do $$
begin
    perform conveyor.enqueue('metric', '{"n": 1}');
    create temp table first_claim as select * from conveyor.claim_batch('w1', 1);
    -- The lease runs out; the job is rescued and claimed again by another worker.
    update conveyor.jobs set locked_until = now() - interval '1 second';
    perform conveyor.rescue_expired();
    update conveyor.jobs set run_at = now();
    create temp table second_claim as select * from conveyor.claim_batch('w2', 1);
    create temp table before as select * from conveyor.jobs;
end $$;

select throws_ok(
    $$ select conveyor.fail_job(id, gen_random_uuid(), 'x') from second_claim $$,
    'CV001', null, 'a random token is refused'
);
select throws_ok(
    $$ select conveyor.fail_job(id, lease_token, 'late failure') from first_claim $$,
    'CV001', null, 'the first worker''s superseded token is refused'
);
select throws_like(
    $$ select conveyor.fail_job(id, lease_token, 'late failure') from first_claim $$,
    '%stale%running under another lease%', 'the error says the job is running under another lease'
);
select throws_ok(
    $$ select conveyor.fail_job(id, null, 'x') from second_claim $$,
    'CV001', null, 'a null token is refused'
);
select bag_eq(
    $$ select * from conveyor.jobs $$, $$ select * from before $$,
    'the refused calls left the row exactly as it was'
);
select is(
    (select count(*)::integer from conveyor.dead_letters), 0, 'nothing was dead-lettered'
);

select * from finish();
rollback;
