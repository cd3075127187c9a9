-- rescue_expired puts an expired running job back in the queue, attempt counted, error recorded, with backoff.
begin;
select plan(6);

do $$
begin
    perform conveyor.register_job_type('crashy', p_max_attempts => 3, p_backoff_base => interval '10 seconds');
    perform conveyor.enqueue('crashy', '{"n": "expired"}');
    perform conveyor.enqueue('crashy', '{"n": "alive"}');
    create temp table claimed as select * from conveyor.claim_batch('lost-worker', 10);
    update conveyor.jobs set locked_until = now() - interval '1 second' where payload ->> 'n' = 'expired';
    create temp table before as select * from conveyor.jobs where payload ->> 'n' = 'alive';
end $$;

select is(conveyor.rescue_expired(), 1, 'one job is rescued');
select results_eq(
    $$ select state::text, attempts, lease_token, locked_by, locked_until from conveyor.jobs where payload ->> 'n' = 'expired' $$,
    $$ values ('queued', 1, null::uuid, null::text, null::timestamptz) $$,
    'it is queued again without an owner, the lost attempt counted'
);
select ok(
    (
        select run_at between now() + interval '5 seconds' and now() + interval '10 seconds'
        from conveyor.jobs where payload ->> 'n' = 'expired'
    ),
    'it waits the type''s backoff before it can run again'
);
select results_eq(
    $$ select e ->> 'attempt', e ->> 'worker', e ->> 'error' like 'lease expired%'
       from conveyor.jobs, jsonb_array_elements(errors) as e where payload ->> 'n' = 'expired' $$,
    $$ values ('1', 'lost-worker', true) $$,
    'a lease expired error is recorded for attempt 1 with the worker that lost it'
);
select bag_eq(
    $$ select * from conveyor.jobs where payload ->> 'n' = 'alive' $$, $$ select * from before $$,
    'a running job whose lease has not expired is left alone'
);
select is(conveyor.rescue_expired(), 0, 'a second rescue finds nothing');

select * from finish();
rollback;
