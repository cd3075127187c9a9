-- A dead job whose dedup key is now held by a live job stays dead: the single form says so, by type skips it.
begin;
select plan(7);

do $$
begin
    perform conveyor.enqueue('metric', '{"life": "old"}', p_dedup_key => 'daily-report');
    perform conveyor.enqueue('metric', '{"life": "other"}');
    perform conveyor.move_to_dead_letter(id) from conveyor.jobs;
    -- Meanwhile a new job took the key.
    perform conveyor.enqueue('metric', '{"life": "new"}', p_dedup_key => 'daily-report');
    create temp table dead as select * from conveyor.dead_letters where dedup_key = 'daily-report';
    create temp table live as select * from conveyor.jobs;
end $$;

select throws_ok(
    $$ select conveyor.requeue_dead(id) from dead $$,
    '23505', null, 'requeueing it by id is refused'
);
select throws_like(
    $$ select conveyor.requeue_dead(id) from dead $$,
    '%cannot be requeued: a live job holds its dedup key%', 'with a message that says why'
);
select
    bag_eq(
        $$ select * from conveyor.dead_letters where dedup_key = 'daily-report' $$, $$ select * from dead $$, 'it stays dead, as it was'
    );
select bag_eq($$ select * from conveyor.jobs $$, $$ select * from live $$, 'the live job is untouched');
select is(conveyor.requeue_dead('metric'), 1, 'requeue by type puts back only the job without a conflict');
select results_eq(
    $$ select payload ->> 'life' from conveyor.dead_letters $$, $$ values ('old') $$,
    'the conflicting job is still dead'
);
select bag_eq(
    $$ select payload ->> 'life' from conveyor.jobs $$, $$ values ('new'), ('other') $$,
    'the live job and the requeued one are queued'
);

select * from finish();
rollback;
