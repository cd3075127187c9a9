-- complete_jobs writes history only for job types with keep_history; others just leave the hot table.
begin;
select plan(4);

do $$
begin
    perform conveyor.register_job_type('kept', p_keep_history => true);
    perform conveyor.register_job_type('forgotten', p_keep_history => false);
    perform conveyor.enqueue('kept', '{}', p_priority => 4);
    perform conveyor.enqueue('forgotten', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 10);
end $$;

select is(
    (
        select count(*)::integer
        from conveyor.complete_jobs(array(select id from claimed), array(select lease_token from claimed))
    ),
    2, 'both jobs are completed'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'both left the hot table');
select results_eq(
    $$ select h.id, h.job_type, h.priority::integer, h.attempts, h.created_at, h.started_at, h.finished_at, h.worker
       from conveyor.job_history as h $$,
    $$ select c.id, 'kept', 4, 1, now(), c.claimed_at, now(), 'w1' from claimed as c where c.job_type = 'kept' $$,
    'only the type that keeps history has a row, with its timings, attempts and worker'
);
select is(
    (select count(*)::integer from conveyor.job_history where job_type = 'forgotten'), 0,
    'the type without history left no trace'
);

select * from finish();
rollback;
