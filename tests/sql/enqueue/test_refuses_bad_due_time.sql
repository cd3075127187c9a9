-- enqueue refuses a due time that is not finite or more than 50 years away, naming the argument (22023).
-- ±infinity used to be accepted and then made job_status, queue_health and health() fail with 22008.
begin;
select plan(9);

select throws_like(
    $$ select conveyor.enqueue('metric', '{}', p_run_at => '-infinity') $$,
    'conveyor: run_at -infinity is out of range%', 'run_at -infinity is refused'
);
select throws_like(
    $$ select conveyor.enqueue('metric', '{}', p_run_at => 'infinity') $$,
    'conveyor: run_at infinity is out of range%', 'run_at infinity is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('metric', '{}', p_run_at => now() + interval '51 years') $$,
    '22023', null, 'run_at more than 50 years ahead is refused'
);
select throws_like(
    $$ select conveyor.enqueue('metric', '{}', p_delay => interval '1000000 years') $$,
    'conveyor: delay % is out of range%', 'a huge delay is refused, not overflowed (22008)'
);
select throws_ok(
    $$ select conveyor.enqueue('metric', '{}', p_delay => interval '-1000000 years') $$,
    '22023', null, 'a huge negative delay is refused'
);
select throws_like(
    $$ select conveyor.enqueue('metric', '{}', p_run_at => now(), p_delay => interval '1 second') $$,
    '%give run_at or delay, not both%', 'run_at and delay together are refused'
);
select lives_ok(
    $$ select conveyor.enqueue('metric', '{}', p_run_at => now() + interval '49 years') $$,
    'a time 49 years ahead is taken'
);
select is((select count(*)::integer from conveyor.jobs), 1, 'only that job was added');
select lives_ok($$ select count(*) from conveyor.job_status $$, 'job_status reads');

select * from finish();
rollback;
