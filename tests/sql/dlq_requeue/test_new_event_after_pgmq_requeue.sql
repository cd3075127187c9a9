-- In fallback mode a pgmq message requeued from its DLQ that dies again sends a new Inngest event.
begin;
select plan(2);

do $$
declare
    m record;
begin
    perform conveyor.set_execution_mode('postgres', true, false);
    perform conveyor.worker_heartbeat('w1', array['metric']);
    perform conveyor.dispatch('metric', '{"v": 1}');
    for round in 1 .. 2 loop
        for i in 1 .. 3 loop
            for m in select * from conveyor.pgmq_read('metrics_jobs', 10, 30) loop
                perform conveyor.pgmq_fail('metrics_jobs', m.msg_id, m.read_ct, 'boom', interval '0');
            end loop;
        end loop;
        if round = 1 then
            perform conveyor.dlq_requeue('metrics_jobs');
        end if;
    end loop;
end
$$;

select is((select count(*)::integer from conveyor.inngest_outbox where reason = 'fallback'), 2, 'two deaths, two outbox rows');
select is(
    (select array_agg(right(event_id, 11) order by id) from conveyor.inngest_outbox),
    array['-fallback-1', '-fallback-2'], 'each with its own event id'
);

select * from finish();
rollback;
