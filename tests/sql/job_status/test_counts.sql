-- job_status counts, per job type, ready, scheduled, running, retrying, completed in 24 h, dead and live workers.
begin;
select plan(3);

do $$
declare
    v_job record;
begin
    perform conveyor.register_job_type('counted', p_max_attempts => 3);
    perform conveyor.register_job_type('idle');
    -- 2 ready, 1 scheduled.
    perform conveyor.enqueue('counted', '{"n": "ready"}', p_run_at => now() - interval '10 minutes');
    perform conveyor.enqueue('counted', '{"n": "ready"}', p_run_at => now() - interval '5 minutes');
    perform conveyor.enqueue('counted', '{"n": "scheduled"}', p_delay => interval '1 hour');
    -- 1 running, 1 failed once and waiting (retrying and scheduled), 1 completed, 1 dead.
    perform conveyor.enqueue('counted', '{"n": "run"}', p_priority => 100, p_run_at => now() - interval '1 hour');
    perform conveyor.enqueue('counted', '{"n": "retry"}', p_priority => 99, p_run_at => now() - interval '1 hour');
    perform conveyor.enqueue('counted', '{"n": "done"}', p_priority => 98, p_run_at => now() - interval '1 hour');
    perform conveyor.enqueue('counted', '{"n": "dead"}', p_priority => 97, p_run_at => now() - interval '1 hour');
    for v_job in select * from conveyor.claim_batch('w1', 4, array['counted']) loop
        case v_job.payload ->> 'n'
            when 'retry' then perform conveyor.fail_job(v_job.id, v_job.lease_token, 'x', p_retry_delay => interval '1 minute');
            when 'done' then perform conveyor.complete_job(v_job.id, v_job.lease_token);
            when 'dead' then perform conveyor.fail_job(v_job.id, v_job.lease_token, 'x', p_permanent => true);
            else null;
        end case;
    end loop;
    -- History older than a day does not count.
    insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
    values (-1, 'counted', 0, 1, now() - interval '2 days', now() - interval '2 days', now() - interval '25 hours');
    -- Two live workers run the type, one for another type, one not seen for two minutes.
    perform conveyor.worker_heartbeat('live-1', array['counted', 'alert']);
    perform conveyor.worker_heartbeat('live-2', array['counted']);
    perform conveyor.worker_heartbeat('other', array['alert']);
    perform conveyor.worker_heartbeat('gone', array['counted']);
    update conveyor.workers set last_seen_at = now() - interval '2 minutes' where name = 'gone';
end $$;

select results_eq(
    $$ select ready, scheduled, running, retrying, completed_24h, dead, oldest_ready_age, live_workers
       from conveyor.job_status where job_type = 'counted' $$,
    $$ values (2::bigint, 2::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, interval '10 minutes', 2::bigint) $$,
    'the counts match the jobs of the type'
);
select results_eq(
    $$ select ready, scheduled, running, retrying, completed_24h, dead, oldest_ready_age, live_workers
       from conveyor.job_status where job_type = 'idle' $$,
    $$ values (0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, null::interval, 0::bigint) $$,
    'a type with nothing has zeros and no oldest age'
);
select is(
    (select count(*)::integer from conveyor.job_status),
    (select count(*)::integer from conveyor.job_types),
    'there is one row per job type'
);

select * from finish();
rollback;
