-- fail_job before the last attempt requeues the job after the type's backoff, lease released.
begin;
select plan(5);

do $$
declare
    v_job record;
begin
    perform conveyor.register_job_type(
        'flaky', p_max_attempts => 5, p_backoff_base => interval '10 seconds', p_backoff_cap => interval '15 seconds'
    );
    perform conveyor.enqueue('flaky', '{"n": 1}');
    select * into v_job from conveyor.claim_batch('w1', 1);
    create temp table outcome as select conveyor.fail_job(v_job.id, v_job.lease_token, 'first') as result;
    update conveyor.jobs set run_at = now();
    select * into v_job from conveyor.claim_batch('w1', 1);
    insert into outcome select conveyor.fail_job(v_job.id, v_job.lease_token, 'second');
end $$;

select results_eq(
    $$ select result from outcome $$, $$ values ('retry'), ('retry') $$, 'both failures retry'
);
select results_eq(
    $$ select state::text, attempts, lease_token, locked_by, locked_until, jsonb_array_length(errors) from conveyor.jobs $$,
    $$ values ('queued', 2, null::uuid, null::text, null::timestamptz, 2) $$,
    'the job is queued again, its lease released, both errors recorded'
);
select ok(
    (select run_at between now() + interval '7.5 seconds' and now() + interval '15 seconds' from conveyor.jobs),
    'after attempt 2 it waits base * 2 = 20 s capped at 15 s, jittered within [7.5 s, 15 s]'
);
select is(
    (select count(*)::integer from conveyor.claim_batch('w2', 10)), 0, 'it is not claimable before its backoff'
);
select is(
    (select errors -> 1 ->> 'error' from conveyor.jobs), 'second', 'the latest error is last'
);

select * from finish();
rollback;
