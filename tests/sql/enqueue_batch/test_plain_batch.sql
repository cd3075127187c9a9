-- enqueue_batch of bare payloads (its fast path) writes what the general path writes, in order.
begin;
select plan(9);

select conveyor.register_job_type('bench_plain', p_max_attempts => 7, p_default_priority => 3);

create temp table ids as
select
    row_number() over () as n,
    id
from conveyor.enqueue_batch('[{"payload": {"n": 1}}, {"payload": {"n": 2}}, {"payload": {"n": 3}}]', 'bench_plain') as id;

select is((select count(*)::integer from ids), 3, 'one id per element');
select ok(
    (select bool_and(a.id < b.id) from ids as a inner join ids as b on b.n = a.n + 1),
    'ids ascend in the order of the array'
);
select results_eq(
    $$ select (j.payload ->> 'n')::integer from conveyor.jobs as j inner join ids using (id) order by ids.n $$,
    $$ values (1), (2), (3) $$,
    'each job carries its own payload'
);
select ok(
    (select bool_and(
        j.job_type = 'bench_plain' and j.priority = 3 and j.max_attempts = 7 and j.state = 'queued'
        and j.attempts = 0 and j.dedup_key is null and j.run_at <= now()
    ) from conveyor.jobs as j inner join ids using (id)),
    'the type''s defaults, queued and due now'
);
select is(
    (select array_agg(id order by priority desc, run_at asc, id asc) from conveyor.claim_batch('w', 10, array['bench_plain'])),
    (select array_agg(id order by n) from ids),
    'claimed in the order they were given'
);

-- A bad element in a batch of bare payloads is refused with its position, nothing written.
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, {"payload": [1]}]', 'bench_plain') $$,
    '%job 2 of the batch has a payload that is not a JSON object%',
    'a payload that is not an object is refused with its position'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, 5]', 'bench_plain') $$,
    '%job 2 of the batch is not a JSON object%',
    'an element that is not an object is refused with its position'
);
select throws_like(
    $$ select conveyor.enqueue_batch('[{"payload": {}}]', 'no_such_type') $$,
    '%job 1 of the batch has an unknown job type%',
    'an unknown default type is refused'
);
select is(
    (select count(*)::integer from conveyor.jobs where job_type = 'bench_plain'),
    3, 'the refused batches wrote nothing'
);

select * from finish();
rollback;
