-- The execution modes of the original design, as routing sees them.
begin;
select plan(11);

select is(conveyor.execution_mode() ->> 'mode', 'postgres_primary', 'the default is postgres_primary');
select is(
    conveyor.set_execution_mode('supabase') ->> 'primary_executor', 'postgres', 'supabase is an alias of postgres'
);
select throws_ok($$ select conveyor.set_execution_mode('lambda') $$, '22023', null, 'an unknown executor is refused');

-- An inngest route is ignored while Inngest is off.
do $$ begin perform conveyor.set_route('housekeeping', 'inngest'); end $$;
select is(conveyor.dispatch('housekeeping', '{}') ->> 'destination', 'jobs', 'postgres_primary: no Inngest');

-- Inngest primary: jobs-table work goes to Inngest, pgmq stays.
do $$ begin perform conveyor.set_execution_mode('inngest'); end $$;
select is(conveyor.dispatch('calendar_sync', '{}') ->> 'destination', 'inngest', 'inngest_primary: jobs work to Inngest');
select is(conveyor.dispatch('alert', '{}') ->> 'destination', 'pgmq', 'inngest_primary: pgmq stays');
select is(
    (select count(*)::integer from conveyor.inngest_outbox where job_type = 'calendar_sync' and reason = 'primary'),
    1, 'the Inngest work is in the outbox'
);

-- Dual run: Postgres runs it and Inngest gets a copy.
do $$ begin perform conveyor.set_execution_mode('postgres', false, true); end $$;
select ok(
    conveyor.dispatch('risk_check', '{}') ?& array['job_id', 'dual_run_outbox_id'], 'dual_run: jobs table and outbox'
);

-- Fallback: with no live worker for the type, Inngest takes it; with one, Postgres.
do $$ begin perform conveyor.set_execution_mode('postgres', true, false); end $$;
select is(conveyor.dispatch('risk_check', '{}') ->> 'destination', 'inngest', 'fallback: no healthy worker, Inngest');
do $$ begin perform conveyor.worker_heartbeat('w1', array['risk_check']); end $$;
select is(conveyor.dispatch('risk_check', '{}') ->> 'destination', 'jobs', 'fallback: a healthy worker, Postgres');

-- Fallback: a job that exhausts its attempts is handed to Inngest.
do $$ begin
    perform conveyor.fail_job(c.id, c.lease_token, 'boom', null, true)
    from conveyor.claim_batch('w1', 10, array['risk_check']) as c;
end $$;
do $$ begin perform conveyor.enqueue('risk_check', '{"last": true}', p_max_attempts => 1); end $$;
do $$ begin
    perform conveyor.fail_job(c.id, c.lease_token, 'boom')
    from conveyor.claim_batch('w1', 10, array['risk_check']) as c;
end $$;
select is(
    (select count(*)::integer from conveyor.inngest_outbox where reason = 'fallback' and payload = '{"last": true}'),
    1, 'fallback: only the exhausted job (not the permanent failure) goes to Inngest'
);

select * from finish();
rollback;
