-- fail_job on the last attempt moves the job to dead_letters with its payload, every error and timestamps.
begin;
select plan(12);

do $$
declare
    v_job record;
begin
    perform conveyor.register_job_type('flaky', p_max_attempts => 3);
    perform conveyor.enqueue('flaky', '{"order": 42, "note": "keep me"}', p_priority => 7, p_dedup_key => 'order-42');
    for i in 1..3 loop
        -- Make the retry due now: time is frozen inside the test's transaction.
        update conveyor.jobs set run_at = now() where job_type = 'flaky';
        select * into v_job from conveyor.claim_batch('worker-' || i, 10, array['flaky']);
        create temp table if not exists outcomes (attempt integer, outcome text, job_id bigint);
        insert into outcomes values (i, conveyor.fail_job(v_job.id, v_job.lease_token, 'boom ' || i), v_job.id);
    end loop;
end $$;

select results_eq(
    $$ select attempt, outcome from outcomes order by attempt $$,
    $$ values (1, 'retry'), (2, 'retry'), (3, 'dead') $$,
    'the first two failures retry, the third (the last attempt) is dead'
);
select is(
    (select count(*)::integer from conveyor.jobs where id = (select max(job_id) from outcomes)), 0,
    'the job left the hot table'
);
select is(
    (select count(*)::integer from conveyor.dead_letters where id = (select max(job_id) from outcomes)), 1,
    'and is in dead_letters exactly once, under its own id'
);
select results_eq(
    $$ select job_type, payload, priority::integer, attempts, max_attempts, dedup_key, reason, last_error
       from conveyor.dead_letters $$,
    $$ values ('flaky', '{"order": 42, "note": "keep me"}'::jsonb, 7, 3, 3, 'order-42', 'attempts exhausted', 'boom 3') $$,
    'payload, priority, attempts, dedup key, reason and last error are kept'
);
select is(
    (select jsonb_path_query_array(errors, '$[*].error') from conveyor.dead_letters),
    '["boom 1", "boom 2", "boom 3"]'::jsonb,
    'every attempt''s error is kept, in order'
);
select is(
    (select jsonb_path_query_array(errors, '$[*].attempt') from conveyor.dead_letters),
    '[1, 2, 3]'::jsonb,
    'each error carries its attempt number'
);
select is(
    (select jsonb_path_query_array(errors, '$[*].worker') from conveyor.dead_letters),
    '["worker-1", "worker-2", "worker-3"]'::jsonb,
    'each error carries the worker that ran the attempt'
);
select ok(
    (
        select bool_and((e ->> 'started_at')::timestamptz between now() and clock_timestamp() and (e ->> 'failed_at')::timestamptz = now())
        from conveyor.dead_letters, jsonb_array_elements(errors) as e
    ),
    'each error carries its start and failure timestamps'
);
select ok(
    (select created_at = now() and started_at between now() and clock_timestamp() and died_at = now() from conveyor.dead_letters),
    'creation, last start and death times are kept'
);
select is(
    (select count(*)::integer from conveyor.job_history), 0,
    'a dead job is not recorded as completed'
);
select isnt(
    conveyor.enqueue('flaky', '{}', p_dedup_key => 'order-42'),
    (select max(job_id) from outcomes),
    'a dead job no longer holds its dedup key'
);
select is(
    (select count(*)::integer from conveyor.dead_letters), 1,
    'the new job did not disturb the dead letter'
);

select * from finish();
rollback;
