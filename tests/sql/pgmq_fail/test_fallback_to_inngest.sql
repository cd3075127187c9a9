-- In fallback mode, a pgmq message buried after its 3rd read is also handed to Inngest; otherwise not.
begin;
select plan(4);

do $$
declare
    v_job bigint;
    m record;
begin
    perform conveyor.set_execution_mode('postgres', true, false);
    -- A live worker runs the type, so Postgres (pgmq) takes the message.
    perform conveyor.worker_heartbeat('w1', array['metric']);
    v_job := (conveyor.dispatch('metric', '{"v": 8}') ->> 'job_id')::bigint;
    create temp table pgmq_job on commit drop as select v_job as job_id;
    for i in 1 .. 3 loop
        for m in select * from conveyor.pgmq_read('metrics_jobs', 10, 30) loop
            perform conveyor.pgmq_fail('metrics_jobs', m.msg_id, m.read_ct, 'read ' || i, interval '0');
        end loop;
    end loop;
end
$$;

select is((select count(*)::integer from pgmq.q_metrics_jobs), 0, 'the message left the queue');
select is((select count(*)::integer from pgmq.q_metrics_jobs_dlq), 1, 'it is in the dead-letter queue');
select results_eq(
    $$ select job_id, job_type, payload, reason from conveyor.inngest_outbox where job_id = (select job_id from pgmq_job) $$,
    $$ select (select job_id from pgmq_job), 'metric'::text, '{"v": 8}'::jsonb, 'fallback'::text $$,
    'and handed to Inngest through the outbox, once'
);

-- Postgres primary without fallback: buried, not forwarded.
do $$
declare
    m record;
begin
    perform conveyor.set_execution_mode('postgres', false, false);
    perform conveyor.dispatch('metric', '{"v": 9}');
    for i in 1 .. 3 loop
        for m in select * from conveyor.pgmq_read('metrics_jobs', 10, 30) loop
            perform conveyor.pgmq_fail('metrics_jobs', m.msg_id, m.read_ct, 'read ' || i, interval '0');
        end loop;
    end loop;
end
$$;
select is(
    (select count(*)::integer from conveyor.inngest_outbox where payload = '{"v": 9}'), 0,
    'without fallback the dead message stays with Postgres'
);

select * from finish();
rollback;
