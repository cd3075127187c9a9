-- dlq_show returns one dead letter in full from the jobs table or a pgmq DLQ; an unknown id is P0002.
begin;
select plan(4);

insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, last_error, reason, created_at)
values (-7, 'calendar_sync', '{"a": 1}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now());
do $$ begin
    perform pgmq.send('alert_jobs', '{"job_type": "nope", "payload": {"b": 2}}');
    perform conveyor.pgmq_read('alert_jobs');
end $$;

select is(conveyor.dlq_show(-7) -> 'payload', '{"a": 1}'::jsonb, 'a jobs-table dead letter by job id');
select is(
    conveyor.dlq_show((select msg_id from pgmq.q_alert_jobs_dlq), 'alert_jobs') -> 'message' -> 'payload',
    '{"b": 2}'::jsonb, 'a DLQ message by msg_id (the queue name stands for its DLQ)'
);
select throws_ok($$ select conveyor.dlq_show(12345) $$, 'P0002', null, 'an unknown id');
select throws_ok($$ select conveyor.dlq_show(null) $$, '22023', null, 'a null id is refused');

select * from finish();
rollback;
