-- dlq_purge deletes the selected dead letters of either queue for good, at most the limit, and nothing else.
begin;
select plan(4);

insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, last_error, reason, created_at)
values
(-1, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now()),
(-2, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now()),
(-3, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now());
do $$ begin
    perform pgmq.send('alert_jobs', m) from unnest(array['{"job_type": "nope"}', '{"job_type": 7}']::jsonb[]) as m;
    perform conveyor.pgmq_read('alert_jobs');
end $$;

select is((select count(*)::integer from conveyor.dlq_purge('jobs', p_limit => 2)), 2, 'two of three, as limited');
select is((select count(*)::integer from conveyor.dead_letters), 1, 'one jobs-table dead letter left');
select is(
    (select count(*)::integer from conveyor.dlq_purge(p_fingerprint => 'unusable message: unknown job type "nope"')), 1,
    'by fingerprint in the pgmq DLQ'
);
select is((select count(*)::integer from pgmq.q_alert_jobs_dlq), 1, 'the other DLQ message stays');

select * from finish();
rollback;
