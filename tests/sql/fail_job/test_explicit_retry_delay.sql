-- fail_job's explicit retry delay replaces the backoff; zero makes the job claimable at once.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', '{"n": "later"}');
    perform conveyor.enqueue('metric', '{"n": "now"}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 10);
end $$;

select is(
    conveyor.fail_job(c.id, c.lease_token, 'rate limited', p_retry_delay => interval '5 minutes'), 'retry',
    'a failure with a retry delay is retried'
) from claimed as c where c.payload ->> 'n' = 'later';
select is(
    (select run_at from conveyor.jobs where payload ->> 'n' = 'later'), now() + interval '5 minutes',
    'the job runs again exactly after the given delay, without jitter'
);
select is(
    conveyor.fail_job(c.id, c.lease_token, 'try again', p_retry_delay => interval '0'), 'retry',
    'a zero retry delay is accepted'
) from claimed as c where c.payload ->> 'n' = 'now';
select results_eq(
    $$ select payload ->> 'n', attempt from conveyor.claim_batch('w2', 10) $$,
    $$ values ('now', 2) $$,
    'the job failed with a zero delay is claimable at once, as its second attempt'
);
select throws_ok(
    $$ select conveyor.fail_job(c.id, c.lease_token, 'x', p_retry_delay => interval '-1 second')
       from claimed as c where c.payload ->> 'n' = 'now' $$,
    '22023', null, 'a negative retry delay is refused'
);

select * from finish();
rollback;
