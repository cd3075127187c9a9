-- pgmq outcomes reach job_history (with their queue): acks completed, failed reads failed, burials dead; every figure counts them.
begin;
select plan(9);

do $$
declare
    m record;
begin
    perform conveyor.dispatch('alert', jsonb_build_object('n', g)) from generate_series(1, 3) as g;
    for m in select * from conveyor.pgmq_read('alert_jobs', 10, 30) loop
        if m.payload ->> 'n' = '3' then
            perform conveyor.pgmq_fail('alert_jobs', m.msg_id, m.read_ct, 'boom', interval '0');
        else
            perform conveyor.pgmq_ack('alert_jobs', array[m.msg_id], array[m.read_ct]);
        end if;
    end loop;
    for i in 2 .. 3 loop
        for m in select * from conveyor.pgmq_read('alert_jobs', 10, 30) loop
            perform conveyor.pgmq_fail('alert_jobs', m.msg_id, m.read_ct, 'boom', interval '0');
        end loop;
    end loop;
end
$$;

select results_eq(
    $$ select outcome, attempts, queue from conveyor.job_history where job_type = 'alert' order by outcome, attempts $$,
    $$ values ('completed', 1, 'alert_jobs'), ('completed', 1, 'alert_jobs'),
              ('dead', 3, 'alert_jobs'), ('failed', 1, 'alert_jobs'), ('failed', 2, 'alert_jobs') $$,
    'two completions, two failed reads and one burial, marked with their queue'
);
select is(
    (select array_agg(id order by id) from conveyor.job_history where job_type = 'alert' and outcome = 'completed'),
    (select array_agg((a.message ->> 'job_id')::bigint order by 1) from pgmq.a_alert_jobs as a),
    'a completion carries the job id of the acknowledged message'
);
select results_eq(
    $$ select completed_1h::integer, failed_1h::integer, dead::integer, error_rate from conveyor.queue_health where job_type = 'alert' $$,
    $$ values (2, 3, 1, 0.6000) $$,
    'queue_health: completions, failures (failed reads and the burial), dead and error rate include pgmq'
);
select is((select completed_24h::integer from conveyor.job_status where job_type = 'alert'), 2, 'job_status counts pgmq completions');
select is(
    (select total::integer from conveyor.run_time_buckets() where job_type = 'alert'), 2,
    'the run-time histogram of /metrics counts pgmq completions only'
);
select is((conveyor.health() -> 'metrics' ->> 'completed_1h')::integer, 2, 'health''s rate counts pgmq completions, not failures');

-- A type that keeps no history leaves no rows; a burial of an unusable message with a known type is counted.
update conveyor.job_types set keep_history = false where name = 'metric';
do $$
declare
    m record;
begin
    perform conveyor.dispatch('metric', '{}');
    for m in select * from conveyor.pgmq_read('metrics_jobs') loop
        perform conveyor.pgmq_ack('metrics_jobs', array[m.msg_id], array[m.read_ct]);
    end loop;
    perform pgmq.send('alert_jobs', '{"job_id": "order-17", "job_type": "alert"}');
    perform conveyor.pgmq_read('alert_jobs');
end
$$;
select is((select count(*)::integer from conveyor.job_history where job_type = 'metric'), 0, 'keep_history = false is honoured');
select is(
    (select count(*)::integer from conveyor.job_history where job_type = 'alert' and outcome = 'dead'), 2,
    'an unusable message of a known type counts as dead'
);
select is(
    (select count(*)::integer from conveyor.job_history where queue is null), 0, 'no jobs-table rows were written'
);

select * from finish();
rollback;
