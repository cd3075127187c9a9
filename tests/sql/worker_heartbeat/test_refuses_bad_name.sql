-- worker_heartbeat refuses a worker name outside 1 to 200 characters with 22023 (not the table's 23514).
begin;
select plan(3);

select throws_like(
    $$ select conveyor.worker_heartbeat(repeat('w', 300), array['metric']) $$,
    'conveyor: worker name must be 1 to 200 characters, got 300 characters', 'a 300-character name'
);
select throws_ok($$ select conveyor.worker_heartbeat('', array['metric']) $$, '22023', null, 'an empty name');
select throws_ok($$ select conveyor.worker_heartbeat(null, array['metric']) $$, '22023', null, 'no name');

select * from finish();
rollback;
