-- run_schedule enqueues once per live job (dedup key schedule:<name>), records every run, honours pause.
begin;
select plan(12);

do $$ begin
    perform conveyor.add_schedule('every_minute', '* * * * *', 'risk_check', '{"k": "v"}', 4);
end $$;
select ok(conveyor.run_schedule('every_minute') is not null, 'a run enqueues a job');
select is(
    conveyor.run_schedule('every_minute'), (select last_job_id from conveyor.schedules where name = 'every_minute'),
    'a second run while the job waits hands back the same job'
);
select is((select count(*)::integer from conveyor.jobs where job_type = 'risk_check'), 1, 'only one job exists');
select is(
    (select payload || jsonb_build_object('p', priority, 'k2', dedup_key) from conveyor.jobs where job_type = 'risk_check'),
    '{"k": "v", "p": 4, "k2": "schedule:every_minute"}'::jsonb, 'payload, priority and dedup key from the schedule'
);
select is(
    (select array_agg(enqueued order by id) from conveyor.schedule_runs where schedule = 'every_minute'),
    array[true, false], 'both runs are recorded; only the first enqueued'
);
select is((select runs || '/' || enqueued from conveyor.schedules where name = 'every_minute'), '2/1', 'counters');

-- Once the job has completed, the next run enqueues a new one.
do $$ begin
    perform conveyor.complete_jobs(array_agg(c.id), array_agg(c.lease_token)) from conveyor.claim_batch('w', 10) as c;
end $$;
select isnt(conveyor.run_schedule('every_minute'), (select min(id) from conveyor.job_history), 'a new job after completion');
select is((select count(*)::integer from conveyor.jobs where job_type = 'risk_check'), 1, 'one live job again');

do $$ begin
    perform conveyor.set_schedule_enabled('every_minute', false);
end $$;
select is(conveyor.run_schedule('every_minute'), null, 'a paused schedule does nothing when cron calls it');
select isnt(conveyor.run_schedule('every_minute', p_via => 'manual'), null, 'run-now runs a paused schedule');

select throws_like($$ select conveyor.run_schedule('nope') $$, '%no schedule named%', 'unknown schedule');
select throws_like($$ select conveyor.run_schedule('x''); drop table conveyor.jobs; --') $$, '%invalid schedule name%', 'hostile name');

select * from finish();
rollback;
