-- pgmq_fail refuses negative, oversized or infinite delays and bad read counts with 22023, and changes nothing.
begin;
select plan(7);

do $$ begin perform pgmq.send('alert_jobs', '{"job_id": 5, "job_type": "alert", "payload": {}}'); end $$;
create temp table r on commit drop as select * from conveyor.pgmq_read('alert_jobs', 1, 30);
create temp table before on commit drop as select
    vt,
    message
from pgmq.q_alert_jobs;

select throws_ok(
    $$ select conveyor.pgmq_fail('alert_jobs', (select msg_id from r), 1, 'boom', interval '-1 second') $$,
    '22023', 'conveyor: retry delay -00:00:01 is out of range (0 to 7 days)', 'a negative delay is refused'
);
select throws_ok(
    $$ select conveyor.pgmq_fail('alert_jobs', (select msg_id from r), 1, 'boom', interval '8 days') $$,
    '22023', null, 'a delay over 7 days is refused'
);
select throws_ok(
    $$ select conveyor.pgmq_fail('alert_jobs', (select msg_id from r), 1, 'boom', null, 0) $$,
    '22023', 'conveyor: max reads 0 is out of range (1 to 1000)', 'max reads 0 is refused'
);
select throws_ok(
    $$ select conveyor.pgmq_fail('alert_jobs', (select msg_id from r), 1, 'boom', null, null) $$,
    '22023', null, 'max reads null is refused'
);
select throws_ok(
    $$ select conveyor.pgmq_fail('alert_jobs', (select msg_id from r), 0, 'boom') $$,
    '22023', null, 'a read count of 0 is refused'
);
select throws_ok(
    $$ select conveyor.pgmq_fail('alert_jobs', null, 1, 'boom') $$,
    '22023', null, 'a null message id is refused'
);
select results_eq(
    $$ select vt, message, (select count(*)::integer from pgmq.q_alert_jobs_dlq) from pgmq.q_alert_jobs $$,
    $$ select vt, message, 0 from before $$,
    'the message is as it was, and nothing was buried'
);

select * from finish();
rollback;
