-- register_job_type checks the backoff as it will be stored: a new base against the current cap, and the reverse.
begin;
select plan(5);

do $$ begin perform conveyor.register_job_type('slow', p_backoff_base => interval '1 second', p_backoff_cap => interval '1 minute'); end $$;

select throws_like(
    $$ select conveyor.register_job_type('slow', p_backoff_base => interval '2 minutes') $$,
    'conveyor: backoff_cap 00:01:00 is out of range (at least backoff_base 00:02:00%',
    'a base above the current cap is refused with 22023, not 23514'
);
select throws_ok(
    $$ select conveyor.register_job_type('slow', p_backoff_cap => interval '500 milliseconds') $$,
    '22023', null, 'a cap below the current base is refused'
);
select throws_ok(
    $$ select conveyor.register_job_type('slow', p_backoff_cap => interval '1000000 years') $$,
    '22023', null, 'a cap beyond 50 years is refused'
);
select lives_ok(
    $$ select conveyor.register_job_type('slow', p_backoff_base => interval '2 minutes', p_backoff_cap => interval '5 minutes') $$,
    'both together are taken'
);
select results_eq(
    $$ select backoff_base, backoff_cap from conveyor.job_types where name = 'slow' $$,
    $$ values (interval '2 minutes', interval '5 minutes') $$, 'and stored'
);

select * from finish();
rollback;
