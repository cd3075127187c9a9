-- enqueue refuses payloads that are not objects and out-of-range priority, max_attempts and dedup keys.
begin;
select plan(12);

select throws_ok($$ select conveyor.enqueue('alert', null) $$, '22023', null, 'a null payload is refused');
select throws_ok($$ select conveyor.enqueue('alert', '"text"') $$, '22023', null, 'a string payload is refused');
select throws_ok($$ select conveyor.enqueue('alert', 'null'::jsonb) $$, '22023', null, 'a JSON null payload is refused');
select throws_ok($$ select conveyor.enqueue('alert', '42') $$, '22023', null, 'a number payload is refused');
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_priority => 32768) $$, '22023', null, 'priority 32768 is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_priority => -32769) $$, '22023', null, 'priority -32769 is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_max_attempts => 0) $$, '22023', null, 'max_attempts 0 is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_max_attempts => 1001) $$, '22023', null, 'max_attempts 1001 is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_dedup_key => '') $$, '22023', null, 'an empty dedup key is refused'
);
select throws_ok(
    $$ select conveyor.enqueue('alert', '{}', p_dedup_key => repeat('k', 513)) $$,
    '22023', null, 'a dedup key over 512 characters is refused'
);
select throws_like(
    $$ select conveyor.enqueue('alert', '{}', p_run_at => now(), p_delay => interval '1 minute') $$,
    '%run_at or delay, not both%', 'run_at with delay is refused'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'nothing was written');

select * from finish();
rollback;
