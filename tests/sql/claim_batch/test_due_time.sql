-- claim_batch never claims a job whose run_at is still in the future.
begin;
select plan(5);

do $$ begin perform conveyor.enqueue('metric', '{"n": "later"}', p_run_at => now() + interval '1 second'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": "delayed"}', p_delay => interval '10 minutes', p_priority => 100); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": "due"}', p_run_at => now() - interval '1 second'); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": "now"}'); end $$;

select results_eq(
    $$ select payload ->> 'n' from conveyor.claim_batch('w1', 100) $$,
    $$ values ('due'), ('now') $$,
    'only the due jobs are claimed, even with a lower priority than a future one'
);
select is(
    (select count(*)::integer from conveyor.claim_batch('w1', 100)), 0,
    'a second claim finds nothing: future jobs stay put'
);
select bag_eq(
    $$ select payload ->> 'n', state::text from conveyor.jobs $$,
    $$ values ('later', 'queued'), ('delayed', 'queued'), ('due', 'running'), ('now', 'running') $$,
    'the future jobs are still queued and unclaimed'
);

-- Time passes for the delayed job only.
update conveyor.jobs set run_at = now() where payload ->> 'n' = 'delayed';

select results_eq(
    $$ select payload ->> 'n' from conveyor.claim_batch('w1', 100) $$,
    $$ values ('delayed') $$,
    'once its run_at has come, the job is claimed'
);
select is(
    (select attempts from conveyor.jobs where payload ->> 'n' = 'later'), 0,
    'the job still in the future was never attempted'
);

select * from finish();
rollback;
