-- enqueue_batch checks the whole batch first: one bad element refuses it with its position, and nothing is written.
begin;
select plan(22);

select throws_ok(
    $$ select conveyor.enqueue_batch('{"payload": {}}', 'metric') $$, '22023', null, 'an object instead of an array is refused'
);
select throws_ok($$ select conveyor.enqueue_batch(null) $$, '22023', null, 'null is refused');
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, 5]', 'metric') $$,
    '%job 2 of the batch is not a JSON object%', 'an element that is not an object is refused with its position'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}]') $$, '%has no job_type%', 'an element without a type is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "job_type": "nope"}]') $$,
    '%has an unknown job type%', 'an unknown type is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, {"payload": {}, "job_type": "x''); drop table conveyor.jobs; --"}]', 'metric') $$,
    '%invalid job type name%', 'a hostile type name in an element is refused'
);
select throws_like(
    $q$ select conveyor.enqueue_batch('[{"payload": {}}]', 'a$$b') $q$,
    '%invalid job type name%', 'a hostile default type name is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "job_type": "Metric"}]') $$,
    '%invalid job type name%', 'an upper-case type name is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch(jsonb_build_array(jsonb_build_object('payload', '{}'::jsonb, 'job_type', U&'m\0435tric'))) $$,
    '%invalid job type name%', 'a look-alike type name is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": [1]}]', 'metric') $$,
    '%payload that is not a JSON object%', 'a payload that is not an object is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"n": 1}]', 'metric') $$,
    '%payload that is not a JSON object%', 'a missing payload is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "run_at": "2030-01-01T00:00:00Z", "delay_seconds": 5}]', 'metric') $$,
    '%both run_at and delay_seconds%', 'run_at with delay_seconds is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "priority": 40000}]', 'metric') $$,
    '%priority outside%', 'an out-of-range priority is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "priority": "high"}]', 'metric') $$,
    '%priority that is not a number%', 'a priority that is not a number is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "max_attempts": 0}]', 'metric') $$,
    '%max_attempts outside%', 'max_attempts 0 is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "max_attempts": 1001}]', 'metric') $$,
    '%max_attempts outside%', 'max_attempts 1001 is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "dedup_key": ""}]', 'metric') $$,
    '%dedup key%', 'an empty dedup key is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, {"payload": {}, "priority": 1.5}]', 'metric') $$,
    '%job 2 of the batch has a priority that is not a whole number%', 'a fractional priority is refused with its position'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "max_attempts": 2.5}]', 'metric') $$,
    '%max_attempts that is not a whole number%', 'fractional max_attempts are refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "delay_seconds": "soon"}]', 'metric') $$,
    '%delay_seconds that is not a number%', 'a delay that is not a number is refused'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "run_at": 1700000000}]', 'metric') $$,
    '%run_at that is not a timestamp string%', 'a run_at that is not a string is refused'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'nothing was written by any refused batch');

select * from finish();
rollback;
