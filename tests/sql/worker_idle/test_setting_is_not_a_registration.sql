-- conveyor.idle set by an operator (SET, ALTER ROLE/DATABASE, postgresql.conf) is not a registration: worker_idle still counts the session.
begin;
select plan(5);

do $$ begin perform set_config('conveyor.idle', 'on', true); end $$;
select is(pg_catalog.current_setting('conveyor.idle'), 'on', 'the setting is on');
select is(conveyor._idle_registered(), false, 'a setting of on is not this session''s registration');
select ok(conveyor.worker_idle(), 'worker_idle passes the barrier');
select is((select last_value from conveyor.idle_workers), 1::bigint, 'and counts the session, whatever the setting said');
do $$ begin perform conveyor.worker_busy(); end $$;
select is((select last_value from conveyor.idle_workers), 0::bigint, 'worker_busy ends it');

select * from finish();
rollback;
