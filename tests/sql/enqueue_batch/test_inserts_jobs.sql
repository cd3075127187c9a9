-- enqueue_batch inserts every element in one call, with per-element fields or the type's defaults.
begin;
select plan(5);

create temp table ids as
select x as id from conveyor.enqueue_batch(
    '[
        {"payload": {"n": 1}},
        {"payload": {"n": 2}, "priority": 4, "max_attempts": 2},
        {"payload": {"n": 3}, "delay_seconds": 30},
        {"payload": {"n": 4}, "run_at": "2030-01-01T00:00:00Z"},
        {"payload": {"n": 5}, "job_type": "alert", "dedup_key": "a-5"}
    ]',
    'metric'
) as x;

select is((select count(*)::integer from ids), 5, 'five ids are returned');
select bag_eq($$ select id from conveyor.jobs $$, $$ select id from ids $$, 'they are the ids of the new jobs');
select results_eq(
    $$ select payload ->> 'n', job_type, priority::integer, max_attempts, run_at, dedup_key
       from conveyor.jobs order by payload ->> 'n' $$,
    $$ values
        ('1', 'metric', -2, 5, now(), null::text),
        ('2', 'metric', 4, 2, now(), null),
        ('3', 'metric', -2, 5, now() + interval '30 seconds', null),
        ('4', 'metric', -2, 5, '2030-01-01 00:00:00+00'::timestamptz, null),
        ('5', 'alert', 8, 5, now(), 'a-5') $$,
    'each element gets its own fields, the rest from its type; an element''s job_type overrides the default'
);
select is(
    (select count(*)::integer from conveyor.enqueue_batch('[]')), 0, 'an empty batch inserts nothing'
);
select results_eq(
    $$ select payload ->> 'n' from conveyor.claim_batch('w1', 10) $$,
    $$ values ('5'), ('2'), ('1') $$,
    'the due jobs are claimable in priority order'
);

select * from finish();
rollback;
