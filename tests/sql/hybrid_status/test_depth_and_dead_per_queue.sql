-- hybrid_status gives depth and dead per queue (jobs table, each pgmq queue with its DLQ), counts per type and the mode.
begin;
select plan(6);

do $$
declare
    v_id bigint;
begin
    perform conveyor.enqueue('risk_check', '{}'::jsonb) from generate_series(1, 3);
    v_id := conveyor.enqueue('calendar_sync', '{}'::jsonb);
    perform conveyor.move_to_dead_letter(v_id, 'test');
    if conveyor._pgmq_available() then
        perform conveyor.dispatch('alert', '{}'::jsonb) from generate_series(1, 2);
        perform pgmq.send('alert_jobs_dlq', '{"job_type": "alert", "payload": {}}'::jsonb);
    end if;
end $$;

create temp table s as select conveyor.hybrid_status() as v;

select is(
    (select q -> 'depth' from s, jsonb_array_elements(v -> 'queues') as q where q ->> 'queue' = 'jobs'),
    '3'::jsonb, 'the jobs table''s depth counts its waiting and running jobs'
);
select is(
    (select q -> 'dead' from s, jsonb_array_elements(v -> 'queues') as q where q ->> 'queue' = 'jobs'),
    '1'::jsonb, 'and its dead are the dead letters'
);
select is(
    (select t -> 'ready' from s, jsonb_array_elements(v -> 'job_types') as t where t ->> 'job_type' = 'risk_check'),
    '3'::jsonb, 'counts per job type'
);
select is((select v -> 'mode' from s), conveyor.execution_mode(), 'the execution mode in force');
select is(
    (
        select coalesce(q -> 'depth', '2'::jsonb) from s
        left join lateral jsonb_array_elements(v -> 'queues') as q on q ->> 'queue' = 'alert_jobs'
    ),
    '2'::jsonb, 'a pgmq queue''s depth (when pgmq is present)'
);
select ok(
    not exists (select from s, jsonb_array_elements(v -> 'queues') as q where q ->> 'queue' like '%\_dlq'),
    'a dead-letter queue is not a queue of its own: its messages are its queue''s dead'
);

select * from finish();
rollback;
