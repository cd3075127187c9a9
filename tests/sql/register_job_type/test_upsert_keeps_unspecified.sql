-- register_job_type creates a type with defaults, and an update changes only the fields given.
begin;
select plan(5);

select results_eq(
    $$ select max_attempts, backoff_base, backoff_cap, lease, default_priority::integer, keep_history, timeout
       from conveyor.register_job_type('report') $$,
    $$ values (5, interval '2 seconds', interval '1 hour', interval '30 seconds', 0, true, null::interval) $$,
    'a new type gets the defaults: 5 attempts, 2 s to 1 h backoff, 30 s lease'
);

do $$
begin
    perform conveyor.register_job_type(
        'report', p_max_attempts => 7, p_backoff_base => interval '5 seconds', p_default_priority => 3,
        p_keep_history => false, p_timeout => interval '2 minutes', p_description => 'Monthly report'
    );
    perform conveyor.register_job_type('report', p_lease => interval '5 minutes');
end $$;

select results_eq(
    $$ select max_attempts, backoff_base, backoff_cap, lease, default_priority::integer, keep_history, timeout, description
       from conveyor.job_types where name = 'report' $$,
    $$ values (7, interval '5 seconds', interval '1 hour', interval '5 minutes', 3, false, interval '2 minutes', 'Monthly report') $$,
    'updating only the lease keeps every other field'
);
select is(
    (select count(*)::integer from conveyor.job_types where name = 'report'), 1, 'the type is registered once'
);
select throws_like(
    $$ select conveyor.register_job_type('Report; drop table x') $$,
    '%invalid job type name%', 'a hostile name is refused'
);
do $$ begin perform conveyor.enqueue('report', '{"month": 11}'); end $$;

select results_eq(
    $$ select payload, priority::integer, max_attempts from conveyor.jobs $$,
    $$ values ('{"month": 11}'::jsonb, 3, 7) $$,
    'jobs of the type take its default priority and max attempts'
);

select * from finish();
rollback;
