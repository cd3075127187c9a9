-- claim_batch marks each job running under a fresh lease token, for the type's lease or the one asked.
begin;
select plan(7);

do $$ begin perform conveyor.register_job_type('leased', p_lease => interval '45 seconds', p_timeout => interval '5 minutes'); end $$;
do $$ begin perform conveyor.enqueue('leased', '{"n": 1}'); end $$;
do $$ begin perform conveyor.enqueue('leased', '{"n": 2}'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": 3}'); end $$;

create temp table claimed as
select * from conveyor.claim_batch('worker-a', 10, array['leased']);

select is((select count(*)::integer from claimed), 2, 'only the types asked for are claimed');
select ok(
    (select bool_and(attempt = 1 and lease_token is not null and claimed_at between now() and clock_timestamp()) from claimed),
    'each claimed job reports attempt 1, a lease token and the claim time (the clock, not the transaction''s start)'
);
select is(
    (select count(distinct lease_token)::integer from claimed), 2, 'every job gets its own token'
);
select ok(
    (select bool_and(locked_until - claimed_at = interval '45 seconds' and timeout = interval '5 minutes') from claimed),
    'the lease and timeout come from the job type'
);
select results_eq(
    $$ select j.state::text, j.locked_by, j.attempts, j.lease_token, j.started_at
       from conveyor.jobs as j join claimed as c on c.id = j.id order by j.id $$,
    $$ select 'running', 'worker-a', 1, c.lease_token, c.claimed_at from claimed as c order by c.id $$,
    'the rows are running, owned by the worker, with the returned token'
);
select is(
    (select locked_until - claimed_at from conveyor.claim_batch('worker-b', 10, null, interval '2 minutes')),
    interval '2 minutes',
    'an explicit lease overrides the type''s'
);
select is(
    (select count(*)::integer from conveyor.claim_batch('worker-c', 10, array[]::text[])), 0,
    'an empty list of job types claims nothing'
);

select * from finish();
rollback;
