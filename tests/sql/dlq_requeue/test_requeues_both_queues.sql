-- dlq_requeue puts dead letters back: one, by type, queue or fingerprint, at most the limit per call, from both queues.
begin;
select plan(9);

insert into conveyor.dead_letters (
    id, job_type, payload, priority, attempts, max_attempts, errors, last_error, reason, created_at, died_at
)
values
(-1, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom 1', 'attempts exhausted', now(), now() - interval '1 minute'),
(-2, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom 2', 'attempts exhausted', now(), now() - interval '2 minutes'),
(-3, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom 3', 'attempts exhausted', now(), now() - interval '3 minutes'),
(-4, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom 4', 'attempts exhausted', now(), now() - interval '4 minutes'),
(-5, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom 5', 'attempts exhausted', now(), now() - interval '5 minutes');

-- Two pgmq messages that fail every read die in alert_jobs_dlq.
do $$
declare
    m record;
begin
    perform conveyor.dispatch('alert', jsonb_build_object('n', g)) from generate_series(1, 2) as g;
    for i in 1 .. 3 loop
        for m in select * from conveyor.pgmq_read('alert_jobs', 10, 30) loop
            perform conveyor.pgmq_fail('alert_jobs', m.msg_id, m.read_ct, 'ValueError: bad ' || m.msg_id, interval '0');
        end loop;
    end loop;
end
$$;
select is((select count(*)::integer from pgmq.q_alert_jobs_dlq), 2, 'two pgmq dead letters');

select results_eq(
    $$ select queue, id, result from conveyor.dlq_requeue(p_id => -1) $$,
    $$ values ('jobs', -1::bigint, 'requeued') $$, 'one by id (jobs table)'
);
select is(
    (select count(*)::integer from conveyor.dlq_requeue(p_job_type => 'calendar_sync', p_limit => 2)), 2,
    'by type, at most the limit'
);
select is((select count(*)::integer from conveyor.dead_letters), 2, 'two jobs-table dead letters are left');
select is(
    (select array_agg(id order by id) from conveyor.jobs where job_type = 'calendar_sync'), array[-5, -4, -1]::bigint[],
    'the oldest went first'
);

select is(
    (select count(*)::integer from conveyor.dlq_requeue(p_fingerprint => 'ValueError: bad <n>', p_limit => 1)), 1,
    'by fingerprint, at most the limit'
);
select results_eq(
    $$ select message ? 'dead', (message ->> 'deaths')::integer, jsonb_array_length(message -> 'errors')
       from pgmq.q_alert_jobs $$,
    $$ values (false, 1, 3) $$,
    'the pgmq message is back in its queue, without its dead object, counting its death, errors kept'
);
select results_eq(
    $$ select queue, result from conveyor.dlq_requeue('alert_jobs') $$,
    $$ values ('alert_jobs_dlq', 'requeued') $$, 'by queue: the rest of alert_jobs_dlq'
);
select is((select count(*)::integer from pgmq.q_alert_jobs_dlq), 0, 'the DLQ is empty');

select * from finish();
rollback;
