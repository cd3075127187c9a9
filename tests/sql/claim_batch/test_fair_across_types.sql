-- claim_batch with p_fair takes the batch round robin across job types; without it, strict priority order.
begin;
select plan(4);

do $$ begin perform conveyor.enqueue_batch((
    select jsonb_agg(jsonb_build_object('job_type', 'alert', 'payload', jsonb_build_object('n', g), 'priority', 10))
    from generate_series(1, 20) as g
)); end $$;
do $$ begin perform conveyor.enqueue_batch((
    select jsonb_agg(jsonb_build_object('job_type', 'metric', 'payload', jsonb_build_object('n', g), 'priority', 0))
    from generate_series(1, 2) as g
)); end $$;

select results_eq(
    $$ select job_type from conveyor.claim_batch('w', 4, array['alert', 'metric']) $$,
    $$ values ('alert'), ('alert'), ('alert'), ('alert') $$,
    'by default the higher priority type takes the whole batch'
);
select bag_eq(
    $$ select job_type, (payload ->> 'n')::integer from conveyor.claim_batch('w', 5, array['alert', 'metric'], null, true) $$,
    $$ values ('alert', 5), ('alert', 6), ('alert', 7), ('metric', 1), ('metric', 2) $$,
    'fair: one of each type per round, oldest first within a type, until a type runs out'
);
select results_eq(
    $$ select job_type from conveyor.claim_batch('w', 3, null, null, true) $$,
    $$ values ('alert'), ('alert'), ('alert') $$,
    'fair over every type (null) with only one type waiting takes that type'
);
select is(
    (select count(*)::integer from conveyor.jobs where state = 'queued'), 10,
    'the rest still waits'
);

select * from finish();
rollback;
