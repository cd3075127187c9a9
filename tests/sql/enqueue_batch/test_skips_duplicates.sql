-- enqueue_batch skips elements whose dedup key a live job holds, including a key repeated in the batch.
begin;
select plan(4);

create temp table existing as select conveyor.enqueue('metric', '{"n": 0}', p_dedup_key => 'held') as id;

create temp table ids as
select x as id from conveyor.enqueue_batch(
    '[
        {"payload": {"n": 1}, "dedup_key": "held"},
        {"payload": {"n": 2}, "dedup_key": "fresh"},
        {"payload": {"n": 3}, "dedup_key": "fresh"},
        {"payload": {"n": 4}},
        {"payload": {"n": 5}, "dedup_key": "held", "job_type": "alert"}
    ]',
    'metric'
) as x;

select is((select count(*)::integer from ids), 3, 'three new jobs: the held and repeated keys yield no id');
select bag_eq(
    $$ select job_type, payload ->> 'n', dedup_key from conveyor.jobs $$,
    $$ values ('metric', '0', 'held'), ('metric', '2', 'fresh'), ('metric', '4', null), ('alert', '5', 'held') $$,
    'the live job keeps its key, the first element with a repeated key wins, other types are separate'
);
select bag_eq(
    $$ select id from ids $$,
    $$ select id from conveyor.jobs where id <> (select id from existing) $$,
    'the ids returned are exactly the new jobs'
);
select is(
    (select count(*)::integer from conveyor.enqueue_batch('[{"payload": {}, "dedup_key": "fresh"}]', 'metric')), 0,
    'a batch of nothing but held keys returns no id'
);

select * from finish();
rollback;
