-- requeue_dead(id) puts a dead job back under its id with fresh attempts, its errors kept.
begin;
select plan(6);

do $$
declare
    v_job record;
begin
    perform conveyor.enqueue('metric', '{"n": "dead"}', p_priority => 6, p_max_attempts => 1);
    select * into v_job from conveyor.claim_batch('w1', 1);
    perform conveyor.fail_job(v_job.id, v_job.lease_token, 'first life');
    create temp table dead as select * from conveyor.dead_letters;
end $$;

select is((select conveyor.requeue_dead(id) from dead), (select id from dead), 'the job id is returned');
select is((select count(*)::integer from conveyor.dead_letters), 0, 'it left the dead-letter table');
select results_eq(
    $$ select j.id, j.state::text, j.attempts, j.max_attempts, j.payload, j.priority::integer, j.run_at, j.lease_token
       from conveyor.jobs as j $$,
    $$ select d.id, 'queued', 0, 1, d.payload, 6, now(), null::uuid from dead as d $$,
    'it is queued again under its id, due now, with fresh attempts, payload and priority kept'
);
select is(
    (select jsonb_path_query_array(errors, '$[*].error') from conveyor.jobs), '["first life"]'::jsonb,
    'the errors of its first life are kept'
);
select results_eq(
    $$ select payload ->> 'n', attempt from conveyor.claim_batch('w2', 10) $$,
    $$ values ('dead', 1) $$,
    'it is claimable at once, as attempt 1 of a fresh count'
);
select throws_ok(
    $$ select conveyor.requeue_dead(id) from dead $$,
    'P0002', null, 'a job that is not dead cannot be requeued'
);

select * from finish();
rollback;
