-- A message that fails on its 3rd read goes to the dead-letter queue, with every error.
begin;
select plan(6);

create temp table sent on commit drop as
select (conveyor.dispatch('metric', '{"v": 42}') ->> 'msg_id')::bigint as msg_id;

select
    is(
        conveyor.pgmq_fail('metrics_jobs', m.msg_id, m.read_ct, 'first', interval '0'), 'retry', '1st failure: retry'
    )
from conveyor.pgmq_read('metrics_jobs', 1, 30) as m;
select
    is(
        conveyor.pgmq_fail('metrics_jobs', m.msg_id, m.read_ct, 'second', interval '0'), 'retry', '2nd failure: retry'
    )
from conveyor.pgmq_read('metrics_jobs', 1, 30) as m;
select
    is(
        conveyor.pgmq_fail('metrics_jobs', m.msg_id, m.read_ct, 'third', interval '0'), 'dead', '3rd failure: dead'
    )
from conveyor.pgmq_read('metrics_jobs', 1, 30) as m;

select is((select count(*)::integer from pgmq.q_metrics_jobs), 0, 'the queue is empty');
select is(
    (select message -> 'payload' from pgmq.q_metrics_jobs_dlq where (message -> 'dead' ->> 'msg_id')::bigint = (select msg_id from sent)),
    '{"v": 42}'::jsonb, 'the dead-letter queue holds the payload'
);
select is(
    (select jsonb_path_query_array(message, '$.errors[*].error') from pgmq.q_metrics_jobs_dlq),
    '["first", "second", "third"]'::jsonb, 'with the error of every read'
);

select * from finish();
rollback;
