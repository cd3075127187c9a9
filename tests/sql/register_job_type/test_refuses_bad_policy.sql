-- register_job_type refuses out-of-range policy values with a clear error and leaves the type as it was.
begin;
select plan(9);

do $$ begin perform conveyor.register_job_type('report', p_max_attempts => 4); end $$;
create temp table before as select * from conveyor.job_types where name = 'report';

select throws_like(
    $$ select conveyor.register_job_type('report', p_max_attempts => 0) $$,
    'conveyor: max_attempts 0 is out of range%', 'max_attempts 0 is refused'
);
select throws_ok(
    $$ select conveyor.register_job_type('report', p_max_attempts => 1001) $$, '22023', null, 'max_attempts 1001 is refused'
);
select throws_like(
    $$ select conveyor.register_job_type('report', p_default_priority => 40000) $$,
    'conveyor: priority 40000 is out of range%', 'a priority beyond smallint is refused clearly'
);
select throws_ok(
    $$ select conveyor.register_job_type('report', p_lease => interval '0') $$, '22023', null, 'a zero lease is refused'
);
select throws_ok(
    $$ select conveyor.register_job_type('report', p_lease => interval '2 days') $$, '22023', null, 'a lease over a day is refused'
);
select throws_ok(
    $$ select conveyor.register_job_type('report', p_backoff_base => interval '0') $$,
    '22023', null, 'a zero backoff base is refused'
);
select throws_ok(
    $$ select conveyor.register_job_type('report', p_backoff_base => interval '1 hour', p_backoff_cap => interval '1 minute') $$,
    '22023', null, 'a cap below the base is refused'
);
select throws_ok(
    $$ select conveyor.register_job_type('report', p_timeout => interval '-1 second') $$,
    '22023', null, 'a negative timeout is refused'
);
select bag_eq(
    $$ select * from conveyor.job_types where name = 'report' $$, $$ select * from before $$,
    'the type is unchanged'
);

select * from finish();
rollback;
