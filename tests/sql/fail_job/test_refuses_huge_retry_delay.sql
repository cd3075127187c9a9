-- fail_job refuses a retry delay beyond the due-time rule (50 years) with 22023 naming retry_delay, and changes nothing.
begin;
select plan(3);

do $$
begin
    perform conveyor.enqueue('metric', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
end $$;

select throws_like(
    $$ select conveyor.fail_job(id, lease_token, 'x', p_retry_delay => interval '1000000 years') from claimed $$,
    'conveyor: retry_delay % is out of range%', 'a huge retry delay is refused (not 22008)'
);
select throws_ok(
    $$ select conveyor.fail_job(id, lease_token, 'x', p_retry_delay => interval '1000000 years') from claimed $$,
    '22023', null, 'as 22023'
);
select results_eq(
    $$ select state::text, errors from conveyor.jobs $$, $$ values ('running', '[]'::jsonb) $$,
    'the job is still running, no error recorded'
);

select * from finish();
rollback;
