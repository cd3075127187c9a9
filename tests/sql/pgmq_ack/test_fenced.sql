-- A consumer whose visibility timeout ran out cannot archive or fail a message another consumer has read since.
begin;
select plan(7);

create temp table sent on commit drop as
select (conveyor.dispatch('alert', '{"n": 1}') ->> 'msg_id')::bigint as msg_id;

create temp table first_read on commit drop as
select
    msg_id,
    read_ct
from conveyor.pgmq_read('alert_jobs', 10, 30);
select is((select read_ct from first_read), 1, 'consumer A reads the message (read_ct 1)');

-- A's visibility timeout runs out; consumer B reads the message.
update pgmq.q_alert_jobs set vt = now() - interval '1 second';
create temp table second_read on commit drop as
select
    msg_id,
    read_ct
from conveyor.pgmq_read('alert_jobs', 10, 30);
select is((select read_ct from second_read), 2, 'consumer B reads it again (read_ct 2)');

select is(
    (select count(*)::integer from conveyor.pgmq_ack('alert_jobs', array[(select msg_id from sent)], array[1])),
    0, 'A cannot archive it'
);
select is(
    conveyor.pgmq_fail('alert_jobs', (select msg_id from sent), 1, 'late failure'), 'stale', 'A cannot fail it'
);
select is((select count(*)::integer from pgmq.q_alert_jobs), 1, 'the message is still in the queue');
select is(
    (select array_agg(a) from conveyor.pgmq_ack('alert_jobs', array[(select msg_id from sent)], array[2]) as a),
    array[(select msg_id from sent)], 'B archives it'
);
select is(
    (select count(*)::integer from pgmq.a_alert_jobs where msg_id = (select msg_id from sent)), 1, 'it is in the archive'
);

select * from finish();
rollback;
