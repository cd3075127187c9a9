-- release_jobs hands owned jobs back unrun: claimable at once, the attempt not counted, stale pairs skipped.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', '{"n": 1}', p_priority => 2, p_run_at => now() - interval '1 hour');
    perform conveyor.enqueue('metric', '{"n": 2}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 2);
end $$;

select bag_eq(
    $$ select x from conveyor.release_jobs(
           array(select id from claimed order by id),
           array(select case when payload ->> 'n' = '2' then gen_random_uuid() else lease_token end
                 from claimed order by id)
       ) as x $$,
    $$ select id from claimed where payload ->> 'n' = '1' $$,
    'the owned job is released; the pair with a wrong token is skipped'
);
select results_eq(
    $$ select state::text, attempts, run_at, lease_token, locked_by, locked_until, priority::integer, errors
       from conveyor.jobs where payload ->> 'n' = '1' $$,
    $$ values ('queued', 0, now(), null::uuid, null::text, null::timestamptz, 2, '[]'::jsonb) $$,
    'the released job is queued and due now, its attempt uncounted, priority kept, no error added'
);
select results_eq(
    $$ select state::text, locked_by from conveyor.jobs where payload ->> 'n' = '2' $$,
    $$ values ('running', 'w1') $$,
    'the job with the wrong token is still running'
);
select results_eq(
    $$ select payload ->> 'n', attempt from conveyor.claim_batch('w2', 10) $$,
    $$ values ('1', 1) $$,
    'the released job is claimable at once, again as attempt 1'
);
select is(
    (select count(*)::integer from conveyor.release_jobs(array(select id from claimed), array(select lease_token from claimed))),
    1, 'releasing with the old tokens again only releases the job still owned'
);

select * from finish();
rollback;
