-- In fallback mode a job that dies, is requeued from the dead letters and dies again sends a second, new Inngest event.
begin;
select plan(3);

do $$
declare
    v_id bigint;
    v_claim record;
begin
    perform conveyor.set_execution_mode('postgres', true, false);
    perform conveyor.worker_heartbeat('w1', array['alert']);
    v_id := conveyor.enqueue('alert', '{"n": 1}', p_max_attempts => 1);
    create temp table the_job on commit drop as select v_id as id;
    for round in 1 .. 2 loop
        select * into v_claim from conveyor.claim_batch('w1', 1);
        perform conveyor.fail_job(v_claim.id, v_claim.lease_token, 'boom ' || round);
        if round = 1 then
            perform conveyor.requeue_dead(v_id);
        end if;
    end loop;
end
$$;

select is(
    (select count(*)::integer from conveyor.inngest_outbox where job_id = (select id from the_job) and reason = 'fallback'),
    2, 'each death wrote its own outbox row'
);
select is(
    (select count(distinct event_id)::integer from conveyor.inngest_outbox where job_id = (select id from the_job)),
    2, 'with two different event ids, so Inngest runs the second one too'
);
select is(
    (select array_agg(event_id order by id) from conveyor.inngest_outbox where job_id = (select id from the_job)),
    array['conveyor-' || (select id from the_job) || '-fallback-1', 'conveyor-' || (select id from the_job) || '-fallback-2'],
    'the event id carries the death number'
);

select * from finish();
rollback;
