-- A message read 3 times and never acknowledged (its consumers crashed) is dead-lettered, not read a 4th time.
begin;
select plan(3);

create temp table sent on commit drop as
select (conveyor.dispatch('alert', '{"crash": true}') ->> 'msg_id')::bigint as msg_id;

do $$ begin perform conveyor.pgmq_read('alert_jobs', 1, 30); end $$;
update pgmq.q_alert_jobs set vt = now() - interval '1 second';
do $$ begin perform conveyor.pgmq_read('alert_jobs', 1, 30); end $$;
update pgmq.q_alert_jobs set vt = now() - interval '1 second';
select is((select read_ct from conveyor.pgmq_read('alert_jobs', 1, 30)), 3, 'the third read returns it');
update pgmq.q_alert_jobs set vt = now() - interval '1 second';

select is((select count(*)::integer from conveyor.pgmq_read('alert_jobs', 10, 30)), 0, 'a 4th read returns nothing');
select is(
    (select message ->> 'job_type' from pgmq.q_alert_jobs_dlq where (message -> 'dead' ->> 'msg_id')::bigint = (select msg_id from sent)),
    'alert', 'it is in alert_jobs_dlq'
);

select * from finish();
rollback;
