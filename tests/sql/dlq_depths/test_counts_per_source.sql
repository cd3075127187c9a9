-- dlq_depths lists the jobs table and every pgmq DLQ, empty ones too, with dead counts (for health: dead, not waiting).
begin;
select plan(2);

insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, reason, created_at, died_at)
values (-1, 'calendar_sync', '{}', 0, 5, 5, '[]', 'x', now(), now() - interval '2 days'),
(-2, 'calendar_sync', '{}', 0, 5, 5, '[]', 'x', now(), now());
do $$ begin
    perform pgmq.send('alert_jobs', '{"job_type": "nope"}');
    perform conveyor.pgmq_read('alert_jobs');
end $$;

select results_eq(
    $$ select queue, dead::integer, dead_since::integer from conveyor.dlq_depths(now() - interval '1 day') $$,
    $$ values ('jobs', 2, 1), ('alert_jobs_dlq', 1, 1), ('autosniping_jobs_dlq', 0, 0), ('metrics_jobs_dlq', 0, 0) $$,
    'every source, in order, with its dead and recent dead'
);
select is(
    (select depth::integer from conveyor.pgmq_queue_depths() where queue_name = 'alert_jobs'), 0,
    'the dead message is not waiting work in its queue'
);

select * from finish();
rollback;
