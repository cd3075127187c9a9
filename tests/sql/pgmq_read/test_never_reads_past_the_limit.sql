-- The decision to dead-letter and the read are one statement: whatever a message's read count, no read returns it past the limit.
begin;
select plan(7);

-- Messages already read 0 to 4 times, all visible now (their visibility timeout ran out).
do $$ begin perform pgmq.send('alert_jobs', jsonb_build_object('job_id', 100 + g, 'job_type', 'alert', 'payload', '{}'::jsonb))
from generate_series(0, 4) as g; end $$;
update pgmq.q_alert_jobs set read_ct = (message ->> 'job_id')::integer - 100, vt = now() - interval '1 second';

create temp table got on commit drop as select * from conveyor.pgmq_read('alert_jobs', 10, 30, 3);
select results_eq(
    $$ select job_id, read_ct from got order by job_id $$,
    $$ values (100::bigint, 1), (101::bigint, 2), (102::bigint, 3) $$,
    'read counts 0, 1 and 2 are read (now 1, 2, 3)'
);
select results_eq(
    $$ select (message ->> 'job_id')::bigint, (message -> 'dead' ->> 'read_ct')::integer,
              message -> 'dead' ->> 'reason' from pgmq.q_alert_jobs_dlq order by 1 $$,
    $$ values (103::bigint, 3, 'read 3 times without success'), (104::bigint, 4, 'read 4 times without success') $$,
    'those read 3 times or more go to the DLQ in the same statement, never read a 4th time'
);

-- Their leases run out without an acknowledgement: a 4th read of 102 is impossible.
update pgmq.q_alert_jobs set vt = now() - interval '1 second';
select is(
    (select array_agg(job_id order by job_id) from conveyor.pgmq_read('alert_jobs', 10, 30, 3)),
    array[100, 101]::bigint[], 'the next read takes 100 and 101 and buries 102'
);
select is(
    (select max(read_ct) from pgmq.q_alert_jobs), 3, 'no message in the queue was read more than 3 times'
);

-- p_max_reads = 1: a message is read once, and then only dead-lettered.
do $$ begin perform pgmq.send('metrics_jobs', '{"job_id": 7, "job_type": "metric", "payload": {}}'); end $$;
select is((select read_ct from conveyor.pgmq_read('metrics_jobs', 10, 30, 1)), 1, 'max 1: the first read returns it');
update pgmq.q_metrics_jobs set vt = now() - interval '1 second';
select is((select count(*)::integer from conveyor.pgmq_read('metrics_jobs', 10, 30, 1)), 0, 'max 1: the second read returns nothing');
select is((select count(*)::integer from pgmq.q_metrics_jobs), 0, 'max 1: the message has left the queue for its DLQ');

select * from finish();
rollback;
