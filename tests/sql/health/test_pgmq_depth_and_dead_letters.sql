-- health() counts messages waiting in pgmq queues as depth, and messages in their _dlq queues as dead.
begin;
select plan(8);

update conveyor.schedules set enabled = false;

select ok(conveyor.health() -> 'metrics' ? 'pgmq_depth', 'with pgmq, the pgmq metrics are there');
select is(conveyor.health() -> 'execution_mode' ->> 'mode', 'postgres_primary', 'and the execution mode');

do $$ begin perform pgmq.send_batch('alert_jobs', array(select '{}'::jsonb from generate_series(1, 101))); end $$;
select is((conveyor.health() #>> '{metrics,pgmq_depth}')::integer, 101, 'messages waiting are depth');
select is(conveyor.health() #>> '{problems,0,check}', 'pgmq_depth', 'over 100: a problem');

do $$ begin perform pgmq.send_batch('alert_jobs_dlq', array(select '{}'::jsonb from generate_series(1, 11))); end $$;
select is((conveyor.health() #>> '{metrics,pgmq_depth}')::integer, 101, 'dead-letter messages are not depth');
select is((conveyor.health() #>> '{metrics,dead_recent}')::integer, 11, 'they are dead');
select is(
    (select count(*)::integer from jsonb_array_elements(conveyor.health() -> 'problems') as p where p ->> 'check' = 'dead'),
    1, 'over health_dead_max: the dead problem'
);
select is(
    (
        select q ->> 'dead_letter' from jsonb_array_elements(conveyor.health() #> '{metrics,pgmq_queues}') as q
        where q ->> 'queue' = 'alert_jobs_dlq'
    ),
    'true', 'the queue list says which queues hold dead letters'
);

select * from finish();
rollback;
