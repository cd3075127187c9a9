-- claim_batch first rescues expired leases: retried with backoff, or buried on their last attempt.
begin;
select plan(6);

do $$ begin perform conveyor.register_job_type('crashy', p_max_attempts => 2, p_backoff_base => interval '10 seconds'); end $$;
do $$ begin perform conveyor.enqueue('crashy', '{"n": "retry"}'); end $$;
do $$ begin perform conveyor.enqueue('crashy', '{"n": "last"}', p_max_attempts => 1); end $$;
do $$ begin perform count(*) from conveyor.claim_batch('dead-worker', 10); end $$;

-- Both leases ran out without a word from the worker.
update conveyor.jobs set locked_until = now() - interval '1 second';
do $$ begin perform conveyor.enqueue('crashy', '{"n": "fresh"}'); end $$;

select results_eq(
    $$ select payload ->> 'n' from conveyor.claim_batch('w2', 10) $$,
    $$ values ('fresh') $$,
    'the claim returns the due job; the rescued one waits for its backoff'
);
select results_eq(
    $$ select state::text, attempts, locked_by, lease_token from conveyor.jobs where payload ->> 'n' = 'retry' $$,
    $$ values ('queued', 1, null::text, null::uuid) $$,
    'the expired job with attempts left is queued again, its attempt counted'
);
select ok(
    (
        select run_at between now() + interval '5 seconds' and now() + interval '10 seconds'
        from conveyor.jobs where payload ->> 'n' = 'retry'
    ),
    'it waits the type''s backoff for attempt 1'
);
select alike(
    (select errors -> 0 ->> 'error' from conveyor.jobs where payload ->> 'n' = 'retry'),
    'lease expired%dead-worker%', 'a lease expired error naming the worker is recorded'
);
select is(
    (select reason from conveyor.dead_letters where payload ->> 'n' = 'last'),
    'lease expired on the last attempt',
    'the job on its last attempt is buried'
);
select is(
    (select count(*)::integer from conveyor.jobs where payload ->> 'n' = 'last'), 0,
    'and is no longer in the hot table'
);

select * from finish();
rollback;
