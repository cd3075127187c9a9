-- enqueue_batch refuses a batch with a bad element, naming its position and why; nothing is written.
begin;
select plan(6);

select throws_like(
    $$ select conveyor.enqueue_batch('[{"job_type": "alert", "payload": {}}, {"job_type": "alert", "payload": "x"}]') $$,
    '%job 2 of the batch has a payload that is not a JSON object%',
    'a payload that is not an object is refused with its position'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"job_type": "alert", "payload": {}, "priority": 40000}]') $$,
    '%job 1 of the batch has a priority outside -32768..32767%',
    'a priority out of range is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "run_at": "2030-01-01", "delay_seconds": 5}]', 'alert') $$,
    '%job 1 of the batch gives both run_at and delay_seconds%',
    'run_at and delay_seconds together are refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}]') $$,
    '%job 1 of the batch has no job_type%',
    'an element without a job type and no default is refused'
);
select throws_ok(
    $$ select conveyor.enqueue_batch('[{"job_type": "no_such_type", "payload": {}}]') $$,
    '22023', null, 'an unknown job type is refused'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'nothing was written by the refused batches');

select * from finish();
rollback;
