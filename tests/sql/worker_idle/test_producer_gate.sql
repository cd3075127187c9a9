-- A producer holds the gate shared to its transaction's end, whether or not it sends a NOTIFY; a job due later takes no gate.
begin;
select plan(3);

create temp view my_advisory as
select
    l.objid::bigint as key,
    l.mode
from pg_catalog.pg_locks as l
where l.locktype = 'advisory' and l.pid = pg_catalog.pg_backend_pid() and l.granted and l.objid in (7311004, 7311005);

do $$ begin perform conveyor.enqueue('metric', '{}', p_delay => '1 hour'); end $$;
select is_empty($$ select * from my_advisory $$, 'a job due later wakes nobody and takes no gate');

do $$ begin perform conveyor.enqueue('metric'); end $$;
select results_eq(
    $$ select key, mode from my_advisory $$,
    $$ values (7311004::bigint, 'ShareLock'::text) $$,
    'a job due now holds the gate shared until commit (no worker idle: no NOTIFY)'
);

do $$ begin perform conveyor.enqueue_batch('[{"job_type": "metric", "payload": {}}, {"job_type": "alert", "payload": {}}]'); end $$;
select results_eq(
    $$ select key, mode from my_advisory $$,
    $$ values (7311004::bigint, 'ShareLock'::text) $$,
    'more jobs in the same transaction take the same gate, once'
);

select * from finish();
rollback;
