-- A job type with live jobs cannot be deleted; one without can.
begin;
select plan(3);

do $$
begin
    perform conveyor.register_job_type('guard_demo');
    perform conveyor.register_job_type('guard_empty');
    perform conveyor.enqueue('guard_demo', '{}');
end
$$;

select throws_ok(
    $$ delete from conveyor.job_types where name = 'guard_demo' $$,
    '23503', null, 'a type with a queued job cannot be deleted'
);
select lives_ok(
    $$ delete from conveyor.job_types where name = 'guard_empty' $$,
    'a type without jobs can be deleted'
);
select is(
    (select count(*)::integer from conveyor.job_types where name in ('guard_demo', 'guard_empty')),
    1, 'only the empty type is gone'
);

select * from finish();
rollback;
