-- worker_idle registers a session once (count and shared lock), worker_busy ends it, _idle_repair clears a count nobody holds.
begin;
select plan(11);

create temp view my_advisory as
select
    l.objid::bigint as key,
    l.mode
from pg_catalog.pg_locks as l
where l.locktype = 'advisory' and l.pid = pg_catalog.pg_backend_pid() and l.granted and l.objid in (7311004, 7311005);

select is((select last_value from conveyor.idle_workers), 0::bigint, 'no worker is registered at first');
select ok(conveyor.worker_idle(), 'with no producer in flight the barrier is passed at once');
select is((select last_value from conveyor.idle_workers), 1::bigint, 'the registration counts one worker');
select ok(conveyor.worker_idle(), 'a second call passes the barrier again');
select is((select last_value from conveyor.idle_workers), 1::bigint, 'and registers nobody twice');
select results_eq(
    $$ select key, mode from my_advisory $$,
    $$ values (7311005::bigint, 'ShareLock'::text) $$,
    'the session holds the idle lock shared, once, and no gate lock'
);
select is(conveyor._idle_repair(), false, 'a registered session never repairs its own count away');

do $$ begin perform conveyor.worker_busy(); end $$;
select is((select last_value from conveyor.idle_workers), 0::bigint, 'worker_busy ends the registration');
select is_empty($$ select * from my_advisory $$, 'and releases the idle lock');

-- A worker that died idle: its count stays, nobody holds the lock.
do $$ begin perform pg_catalog.setval('conveyor.idle_workers', 3); end $$;
select is(conveyor._idle_repair(), true, '_idle_repair clears a count no session holds');
select is((select last_value from conveyor.idle_workers), 0::bigint, 'back to no worker');

select * from finish();
rollback;
