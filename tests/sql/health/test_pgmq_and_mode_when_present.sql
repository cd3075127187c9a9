-- health() includes pgmq depths and the execution mode only when those functions exist.
begin;
select plan(6);

update conveyor.schedules set enabled = false;
-- Where the pgmq work is merged these exist: take them away inside this transaction.
drop function if exists conveyor.pgmq_queue_depths();
drop function if exists conveyor.execution_mode();
select ok(not (conveyor.health() -> 'metrics' ? 'pgmq_depth'), 'no pgmq metrics without conveyor.pgmq_queue_depths()');
select is(conveyor.health() -> 'execution_mode', 'null'::jsonb, 'no execution mode without conveyor.execution_mode()');

-- Stand-ins with the signatures the pgmq work provides.
create function conveyor.pgmq_queue_depths()
returns table (queue_name text, depth bigint, oldest_age interval)
language sql
as $$ values ('alert_jobs'::text, 60::bigint, interval '5 minutes'), ('metrics_jobs', 41, null) $$;
create function conveyor.execution_mode() returns jsonb language sql as $$ select '{"primary": "db"}'::jsonb $$;

select is((conveyor.health() #>> '{metrics,pgmq_depth}')::integer, 101, 'pgmq depth summed');
select is(conveyor.health() #>> '{problems,0,check}', 'pgmq_depth', 'over 100: a problem');
select is(conveyor.health() ->> 'status', 'degraded', 'degraded');
select is(conveyor.health() -> 'execution_mode', '{"primary": "db"}'::jsonb, 'execution mode included');

select * from finish();
rollback;
