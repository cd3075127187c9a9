-- complete_job with the current token removes the job from the hot table and records its history.
begin;
select plan(4);

do $$
begin
    perform conveyor.enqueue('metric', '{"n": 1}', p_priority => 3);
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
end $$;

select lives_ok(
    $$ select conveyor.complete_job(id, lease_token) from claimed $$, 'the owner completes its job'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'the job left the hot table');
select results_eq(
    $$ select h.id, h.job_type, h.priority::integer, h.attempts, h.worker, h.finished_at from conveyor.job_history as h $$,
    $$ select c.id, 'metric', 3, 1, 'w1', now() from claimed as c $$,
    'one compact history row records it'
);
select is((select count(*)::integer from conveyor.dead_letters), 0, 'nothing was dead-lettered');

select * from finish();
rollback;
