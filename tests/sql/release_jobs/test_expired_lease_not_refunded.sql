-- release_jobs skips a lease that already ran out: an expired lease is a failed attempt, not a refund.
begin;
select plan(3);

do $$
begin
    perform conveyor.enqueue('metric', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
    update conveyor.jobs set locked_until = clock_timestamp() - interval '1 second';
end $$;

select is(
    (select count(*)::integer from conveyor.release_jobs(array(select id from claimed), array(select lease_token from claimed))),
    0, 'the expired lease is not released'
);
select results_eq(
    $$ select state::text, attempts from conveyor.jobs $$, $$ values ('running', 1) $$,
    'the job keeps its counted attempt'
);
select is(conveyor.rescue_expired(), 1, 'and rescue counts it as a failed attempt');

select * from finish();
rollback;
