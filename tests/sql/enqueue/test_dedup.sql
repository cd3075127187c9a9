-- A dedup key held by a live job (waiting or running) yields that job's id; no second job is made.
begin;
select plan(7);

create temp table ids (label text, id bigint);
insert into ids values ('first', conveyor.enqueue('metric', '{"v": 1}', p_dedup_key => 'sync:42'));
insert into ids values ('again', conveyor.enqueue('metric', '{"v": 2}', p_dedup_key => 'sync:42', p_priority => 99));
insert into ids values ('other_type', conveyor.enqueue('alert', '{"v": 3}', p_dedup_key => 'sync:42'));
insert into ids values ('no_key_1', conveyor.enqueue('metric', '{"v": 4}'));
insert into ids values ('no_key_2', conveyor.enqueue('metric', '{"v": 4}'));

select is(
    (select id from ids where label = 'again'), (select id from ids where label = 'first'),
    'the second enqueue with the key returns the live job''s id'
);
select results_eq(
    $$ select payload, priority::integer from conveyor.jobs where dedup_key = 'sync:42' and job_type = 'metric' $$,
    $$ values ('{"v": 1}'::jsonb, -2) $$,
    'there is one job for the key, and the first job''s payload and priority are kept'
);
select isnt(
    (select id from ids where label = 'other_type'), (select id from ids where label = 'first'),
    'the same key under another job type is another job'
);
select isnt(
    (select id from ids where label = 'no_key_1'), (select id from ids where label = 'no_key_2'),
    'jobs without a key are never deduplicated'
);
select is((select count(*)::integer from conveyor.jobs), 4, 'four jobs in all');

-- The job is now running: the key is still held.
do $$ begin perform count(*) from conveyor.claim_batch('w1', 10, array['metric']); end $$;

select is(
    conveyor.enqueue('metric', '{"v": 5}', p_dedup_key => 'sync:42'), (select id from ids where label = 'first'),
    'while the job runs its key still yields its id'
);
select is((select count(*)::integer from conveyor.jobs), 4, 'still four jobs');

select * from finish();
rollback;
