-- dispatch refuses unknown types, hostile names and bad payloads, and writes nothing anywhere.
begin;
select plan(6);

select throws_ok(
    $$ select conveyor.dispatch('no_such_type', '{}') $$,
    '22023', null, 'an unknown job type is refused'
);
select throws_like(
    $$ select conveyor.dispatch('alert''; drop table conveyor.jobs; --', '{}') $$,
    '%invalid job type name%', 'a hostile job type name is refused'
);
select throws_ok(
    $$ select conveyor.dispatch('alert', '"text"') $$,
    '22023', null, 'a payload that is not an object is refused (pgmq route)'
);
select throws_ok(
    $$ select conveyor.dispatch('calendar_sync', null) $$,
    '22023', null, 'a null payload is refused (jobs route)'
);
select throws_ok(
    $$ select conveyor.set_route('alert', 'kafka') $$,
    '22023', null, 'an unknown destination is refused'
);
select is(
    (select count(*)::integer from conveyor.jobs)
    + (select count(*)::integer from pgmq.q_alert_jobs)
    + (select count(*)::integer from conveyor.inngest_outbox),
    0, 'nothing was written by the refused calls'
);

select * from finish();
rollback;
