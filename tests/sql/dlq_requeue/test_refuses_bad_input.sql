-- dlq_requeue and dlq_purge refuse a missing selector, a bad limit, an unknown or hostile queue or type with 22023; nothing changes.
begin;
select plan(11);

insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, last_error, reason, created_at)
values (-1, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now());
do $$ begin
    perform pgmq.send('alert_jobs', '{"job_type": "nope"}');
    perform conveyor.pgmq_read('alert_jobs');
end $$;

select throws_ok(
    $$ select * from conveyor.dlq_requeue() $$, '22023',
    'conveyor: say which dead letters: an id, a queue, a job type or a fingerprint', 'no selector is refused'
);
select throws_ok($$ select * from conveyor.dlq_purge() $$, '22023', null, 'purge without a selector is refused');
select throws_ok(
    $$ select * from conveyor.dlq_requeue('jobs', p_limit => 0) $$, '22023',
    'conveyor: limit 0 is out of range (1 to 10000 dead letters per call)', 'a limit of 0 is refused'
);
select throws_ok($$ select * from conveyor.dlq_requeue('jobs', p_limit => null) $$, '22023', null, 'a null limit is refused');
select throws_ok($$ select * from conveyor.dlq_purge('jobs', p_limit => 10001) $$, '22023', null, 'a huge limit is refused');
select throws_ok(
    $$ select * from conveyor.dlq_requeue('no_such_queue') $$, '22023',
    'conveyor: no dead-letter queue ''no_such_queue''', 'an unknown queue is refused'
);
select throws_like(
    $$ select * from conveyor.dlq_purge('x; drop table conveyor.jobs') $$,
    '%invalid queue name%', 'a hostile queue name is refused'
);
select throws_like(
    $$ select * from conveyor.dlq_requeue(p_job_type => 'a''b') $$,
    '%invalid job type name%', 'a hostile job type is refused'
);
select throws_ok($$ select * from conveyor.dlq_requeue(p_fingerprint => ' ') $$, '22023', null, 'an empty fingerprint is refused');
select throws_ok($$ select conveyor.dlq_show(-1, 'nowhere') $$, '22023', null, 'show refuses an unknown queue');
select results_eq(
    $$ select (select count(*)::integer from conveyor.dead_letters), (select count(*)::integer from pgmq.q_alert_jobs_dlq),
              (select count(*)::integer from conveyor.jobs), (select count(*)::integer from pgmq.q_alert_jobs) $$,
    $$ values (1, 1, 0, 0) $$, 'nothing was requeued or purged'
);

select * from finish();
rollback;
