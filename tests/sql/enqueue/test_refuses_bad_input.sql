-- enqueue refuses unknown types, hostile names and payloads that are not objects.
begin;
select plan(6);

select throws_ok(
    $$ select conveyor.enqueue('no_such_type', '{}') $$,
    '22023', null, 'an unknown job type is refused'
);
select throws_like(
    $$ select conveyor.enqueue('x''; drop table conveyor.jobs; --', '{}') $$,
    '%invalid job type name%', 'a hostile job type name is refused'
);
select throws_like(
    $$ select conveyor.enqueue('Alert', '{}') $$,
    '%invalid job type name%', 'upper case is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '[1, 2]') $$,
    '22023', null, 'a payload that is not an object is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_run_at => now(), p_delay => interval '1 second') $$,
    '22023', null, 'run_at and delay together are refused'
);
select is(
    (select count(*)::integer from conveyor.jobs), 0, 'nothing was written by the refused calls'
);

select * from finish();
rollback;
