-- A dead job whose type was deleted stays dead (22023), so it never becomes an orphan that blocks claim_batch.
begin;
select plan(6);

do $$
begin
    perform conveyor.register_job_type('doomed');
    perform conveyor.enqueue('doomed', '{"n": 1}');
    perform conveyor.move_to_dead_letter(id) from conveyor.jobs where job_type = 'doomed';
    delete from conveyor.job_types where name = 'doomed';
    perform conveyor.enqueue('metric', '{"n": 2}');
end $$;

select throws_like(
    $$ select conveyor.requeue_dead((select id from conveyor.dead_letters where job_type = 'doomed')) $$,
    '%its job type ''doomed'' no longer exists%', 'requeue by id refuses a dead job of a deleted type'
);
select throws_ok(
    $$ select conveyor.requeue_dead('doomed') $$, '22023', null, 'requeue by type refuses a deleted type'
);
select is(
    (select count(*)::integer from conveyor.dead_letters where job_type = 'doomed'), 1, 'the dead job stays dead'
);
select is(
    (
        select count(*)::integer from conveyor.jobs as j
        where not exists (select 1 from conveyor.job_types as t where t.name = j.job_type)
    ),
    0, 'no job without a type'
);
select results_eq(
    $$ select payload ->> 'n' from conveyor.claim_batch('w', 10) $$, $$ values ('2') $$,
    'an unfiltered claim gets the ready work'
);

do $$ begin perform conveyor.register_job_type('doomed'); end $$;
select is(conveyor.requeue_dead('doomed'), 1, 'registered again, the type''s dead job can be requeued');

select * from finish();
rollback;
