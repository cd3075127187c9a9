-- claim_batch restricted to job types takes only those, whatever waits ahead of them in other types.
begin;
select plan(3);

do $$ begin perform conveyor.enqueue_batch((
    select jsonb_agg(jsonb_build_object('job_type', 'alert', 'payload', jsonb_build_object('n', g), 'priority', 100))
    from generate_series(1, 500) as g
)); end $$;
do $$ begin perform conveyor.enqueue('metric', '{"n": "mine"}', p_priority => -100); end $$;
do $$ begin perform conveyor.enqueue('risk_check', '{"n": "also"}', p_priority => -50); end $$;

select results_eq(
    $$ select job_type, payload ->> 'n' from conveyor.claim_batch('w', 10, array['metric', 'risk_check', 'no_such_type']) $$,
    $$ values ('risk_check', 'also'), ('metric', 'mine') $$,
    'only the named types, in priority order; an unknown name matches nothing'
);
select is(
    (select count(*)::integer from conveyor.claim_batch('w', 10, array['metric', 'metric'])), 0,
    'a repeated type is read once, and nothing of it is left'
);
select is(
    (select count(*)::integer from conveyor.jobs where state = 'queued' and job_type = 'alert'), 500,
    'the other types were not touched'
);

select * from finish();
rollback;
