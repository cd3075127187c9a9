-- complete_jobs completes the pairs whose tokens match and silently skips the stale ones.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', format('{"n": %s}', i)::jsonb) from generate_series(1, 4) as i;
    create temp table claimed as select * from conveyor.claim_batch('w1', 4);
    -- Job 3's lease expires and another worker takes it over.
    update conveyor.jobs set locked_until = now() - interval '1 second' where payload ->> 'n' = '3';
    perform conveyor.rescue_expired();
    update conveyor.jobs set run_at = now() where payload ->> 'n' = '3';
    create temp table reclaimed as select * from conveyor.claim_batch('w2', 1);
end $$;

select bag_eq(
    $$ select x from conveyor.complete_jobs(
           array(select id from claimed order by id),
           array(select case when payload ->> 'n' = '2' then gen_random_uuid() else lease_token end
                 from claimed order by id)
       ) as x $$,
    $$ select id from claimed where payload ->> 'n' in ('1', '4') $$,
    'only the pairs with a current token are completed and returned'
);
select bag_eq(
    $$ select payload ->> 'n', state::text, locked_by from conveyor.jobs $$,
    $$ values ('2', 'running', 'w1'), ('3', 'running', 'w2') $$,
    'the job with a wrong token and the reclaimed job are still running, untouched'
);
select is(
    (select lease_token from conveyor.jobs where payload ->> 'n' = '3'),
    (select lease_token from reclaimed),
    'the reclaimed job keeps its new owner''s token'
);
select is((select count(*)::integer from conveyor.job_history), 2, 'history holds only the two completed');
select is(
    (select count(*)::integer from conveyor.complete_jobs(array[]::bigint[], array[]::uuid[])), 0,
    'an empty batch completes nothing'
);

select * from finish();
rollback;
