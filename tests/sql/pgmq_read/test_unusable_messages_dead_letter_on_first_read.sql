-- Messages a producer sent with pgmq.send that cannot run go to the DLQ with a reason on their first read; the good ones are read.
begin;
select plan(7);

do $$ begin perform pgmq.send('alert_jobs', m)
from unnest(array[
    '{"job_id": "order-17", "job_type": "alert", "payload": {}}',
    '{"job_id": "6f1c2b9e-0d3a-4b7e-9a51-2f0c7d9e8a11", "job_type": "alert", "payload": {}}',
    '{"job_id": 1.5, "job_type": "alert", "payload": {}}',
    '{"job_type": "no_such_type", "payload": {}}',
    '{"payload": {"a": 1}}',
    '{"job_type": "alert", "payload": [1, 2]}',
    '"just a string"',
    '{"job_id": 41, "job_type": "alert", "payload": {"ok": 1}}',
    '{"job_type": "alert"}',
    '{"job_id": "42", "job_type": "alert", "payload": {"s": 1}}',
    '{"job_id": 0, "job_type": "alert", "payload": {}}'
]::jsonb[]) as m; end $$;

create temp table got on commit drop as
select * from conveyor.pgmq_read('alert_jobs', 20, 30);

select results_eq(
    $$ select job_id, job_type, payload, read_ct from got order by msg_id $$,
    $$ values (41::bigint, 'alert'::text, '{"ok": 1}'::jsonb, 1), (null, 'alert', '{}', 1), (42, 'alert', '{"s": 1}', 1) $$,
    'the read returns the three usable messages (no job_id, no payload and a job_id of digits are fine)'
);
select is((select count(*)::integer from pgmq.q_alert_jobs_dlq), 8, 'the eight unusable ones (job_id 0 too) are in the DLQ');
select is((select count(*)::integer from pgmq.q_alert_jobs), 3, 'only the three read ones are left in the queue');
select ok(
    (select bool_and(message -> 'dead' ->> 'reason' like 'unusable message:%') from pgmq.q_alert_jobs_dlq),
    'each dead message says why it is unusable'
);
select is(
    (select message -> 'dead' ->> 'reason' from pgmq.q_alert_jobs_dlq where message ->> 'job_id' = 'order-17'),
    'unusable message: job_id "order-17" is not a positive whole number', 'a non-integer job id is named'
);
select is(
    (select message -> 'original' from pgmq.q_alert_jobs_dlq where message ? 'original'),
    '"just a string"'::jsonb, 'a message that is not an object is kept whole'
);
select is(
    (select count(*)::integer from pgmq.q_alert_jobs_dlq where (message -> 'dead' ->> 'read_ct')::integer = 0),
    8, 'they died on their first read, never handed to a consumer'
);

select * from finish();
rollback;
