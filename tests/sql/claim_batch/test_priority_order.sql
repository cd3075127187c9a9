-- claim_batch hands out the highest priority first, then the oldest run_at, then the lowest id.
begin;
select plan(4);

do $$ begin perform conveyor.enqueue('metric', '{"n": 1}', p_priority => 0, p_run_at => now() - interval '1 minute'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": 2}', p_priority => 5, p_run_at => now() - interval '1 minute'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": 3}', p_priority => 5, p_run_at => now() - interval '2 minutes'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": 4}', p_priority => -3, p_run_at => now() - interval '1 hour'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": 5}', p_priority => 0, p_run_at => now() - interval '1 minute'); end $$;
do $$ begin perform conveyor.enqueue('alert', '{"n": 6}', p_priority => 0, p_run_at => now() - interval '1 minute'); end $$;

select results_eq(
    $$ select (payload ->> 'n')::integer from conveyor.claim_batch('w1', 2) $$,
    $$ values (3), (2) $$,
    'the two priority 5 jobs come first, the older run_at before the newer'
);
select results_eq(
    $$ select (payload ->> 'n')::integer from conveyor.claim_batch('w1', 1) $$,
    $$ values (1) $$,
    'among equal priority and run_at the lower id comes first'
);
select results_eq(
    $$ select (payload ->> 'n')::integer from conveyor.claim_batch('w1', 10) $$,
    $$ values (5), (6), (4) $$,
    'the rest, still in order, lowest priority last, whatever the job type'
);
select is(
    (select count(*)::integer from conveyor.jobs where state = 'queued'), 0,
    'every job was claimed exactly once'
);

select * from finish();
rollback;
