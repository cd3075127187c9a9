-- A scheduled run goes where dispatch would send its job type, deduplicated at that destination; housekeeping stays in the database.
begin;
select plan(16);

-- pgmq route: the run is a message in the queue; a second run while it waits adds nothing.
do $$ begin perform conveyor.set_route('risk_check', 'pgmq', 'risk_jobs'); end $$;
create temp table r1 on commit drop as select conveyor.run_schedule('risk_check') as job_id;
select is(
    (select (message ->> 'job_id')::bigint from pgmq.q_risk_jobs), (select job_id from r1),
    'pgmq route: the scheduled run is a pgmq message with the returned job id'
);
select is(conveyor.run_schedule('risk_check'), (select job_id from r1), 'a second run while it waits hands back the same job');
select is(
    (select count(*)::integer from pgmq.q_risk_jobs) + (select count(*)::integer from conveyor.jobs where job_type = 'risk_check'),
    1, 'one message, no jobs-table job'
);
select is(
    (select array_agg(destination || ':' || enqueued order by id) from conveyor.schedule_runs where schedule = 'risk_check'),
    array['pgmq:true', 'pgmq:false'], 'both runs are recorded with their destination'
);
do $$ begin perform conveyor.pgmq_ack('risk_jobs', array_agg(msg_id), array_agg(read_ct)) from conveyor.pgmq_read('risk_jobs'); end $$;
select isnt(conveyor.run_schedule('risk_check'), (select job_id from r1), 'once acknowledged, the next run sends a new message');

-- Inngest primary: the run goes to the outbox; deduplicated until the outbox row is sent.
do $$ begin perform conveyor.set_execution_mode('inngest'); end $$;
create temp table r2 on commit drop as select conveyor.run_schedule('calendar_sync') as job_id;
select results_eq(
    $$ select job_id, job_type, reason from conveyor.inngest_outbox $$,
    $$ select (select job_id from r2), 'calendar_sync'::text, 'primary'::text $$,
    'Inngest primary: the run is an outbox row'
);
select is(conveyor.run_schedule('calendar_sync'), (select job_id from r2), 'not sent yet: the next run hands it back');
do $$ begin perform conveyor.outbox_sent(array_agg(id)) from conveyor.inngest_outbox; end $$;
select isnt(conveyor.run_schedule('calendar_sync'), (select job_id from r2), 'once Inngest has it, the next run is new work');
select is((select count(*)::integer from conveyor.jobs where job_type = 'calendar_sync'), 0, 'nothing in the jobs table');

-- Housekeeping runs in the database whatever the mode.
select is(conveyor.run_schedule('housekeeping'), null, 'housekeeping returns no job');
select is(
    (select count(*)::integer from conveyor.inngest_outbox where job_type = 'housekeeping')
    + (select count(*)::integer from conveyor.jobs where job_type = 'housekeeping'),
    0, 'housekeeping neither goes to Inngest nor becomes a job'
);
select is(
    (select destination from conveyor.schedule_runs where schedule = 'housekeeping'), 'database', 'it ran in the database'
);

-- Dual run: a jobs-table job and an outbox copy, both deduplicated.
delete from conveyor.inngest_outbox;
do $$ begin
    perform conveyor.set_execution_mode('postgres', false, true);
    perform conveyor.run_schedule('calendar_sync');
    perform conveyor.run_schedule('calendar_sync');
end $$;
select results_eq(
    $$ select (select count(*)::integer from conveyor.jobs where job_type = 'calendar_sync'),
              (select count(*)::integer from conveyor.inngest_outbox where reason = 'dual_run') $$,
    $$ values (1, 1) $$, 'dual run: one job and one Inngest copy after two runs'
);

-- A job left in the jobs table does not hold back a run now routed to Inngest.
delete from conveyor.inngest_outbox;
do $$ begin perform conveyor.set_execution_mode('postgres', true, false); end $$;
create temp table r3 on commit drop as select conveyor.run_schedule('calendar_sync') as job_id;
select is(
    (select job_type from conveyor.inngest_outbox where job_id = (select job_id from r3)), 'calendar_sync',
    'fallback with no live worker: the run goes to the outbox though a job waits in the table'
);

-- Bad input changes nothing.
create temp table runs_before on commit drop as select count(*) as n from conveyor.schedule_runs;
select throws_ok(
    $$ select conveyor.run_schedule('calendar_sync', p_via => 'bogus') $$, '22023',
    'conveyor: unknown run source ''bogus''', 'an unknown run source is refused'
);
select is((select count(*) from conveyor.schedule_runs), (select n from runs_before), 'and nothing was recorded');

select * from finish();
rollback;
