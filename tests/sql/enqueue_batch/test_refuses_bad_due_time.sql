-- enqueue_batch refuses a bad run_at or delay_seconds with 22023, the element's position and the argument.
begin;
select plan(7);

select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, {"payload": {}, "delay_seconds": 1e300}]', 'metric') $$,
    'conveyor: job 2 of the batch has a bad delay_seconds: interval out of range',
    'a delay_seconds of 1e300 is refused with its position (not 22008)'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "run_at": "garbage"}]', 'metric') $$,
    'conveyor: job 1 of the batch has a bad run_at: %garbage%',
    'a run_at that is not a timestamp is refused with its position (not 22007)'
);
select throws_ok(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "run_at": "garbage"}]', 'metric') $$,
    '22023', null, 'as 22023'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "run_at": "-infinity"}]', 'metric') $$,
    'conveyor: job 1 of the batch: run_at -infinity is out of range%',
    'run_at -infinity is refused'
);
select throws_ok(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "delay_seconds": 1e400}]', 'metric') $$,
    '22023', null, 'a delay_seconds beyond double precision is refused as 22023'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "delay_seconds": 2e9}]', 'metric') $$,
    'conveyor: job 1 of the batch: delay_seconds % is out of range (at most 50 years either way)',
    'a delay beyond the due-time rule is refused by that rule'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'nothing was added');

select * from finish();
rollback;
