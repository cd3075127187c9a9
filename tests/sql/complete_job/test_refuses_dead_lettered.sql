-- A worker reporting on a job that was dead-lettered meanwhile gets CV001 saying so; the dead letter stays.
begin;
select plan(3);

do $$
begin
    perform conveyor.enqueue('metric', '{}', p_max_attempts => 1);
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
    -- The lease runs out on the only attempt: the rescue buries the job.
    update conveyor.jobs set locked_until = now() - interval '1 second';
    perform conveyor.rescue_expired();
    create temp table dead as select * from conveyor.dead_letters;
end $$;

select throws_like(
    $$ select conveyor.complete_job(id, lease_token) from claimed $$,
    '%stale%dead-lettered%', 'the late completion is refused: the job is dead-lettered'
);
select throws_ok(
    $$ select conveyor.fail_job(id, lease_token, 'late') from claimed $$,
    'CV001', null, 'so is a late failure'
);
select bag_eq(
    $$ select * from conveyor.dead_letters $$, $$ select * from dead $$, 'the dead letter is unchanged'
);

select * from finish();
rollback;
