-- dispatch sends each job type where conveyor.routes says: the original design's routes.
begin;
select plan(9);

select is(
    conveyor.dispatch('calendar_sync', '{"n": 1}') ->> 'destination', 'jobs', 'calendar_sync goes to the jobs table'
);
select is(
    (select count(*)::integer from conveyor.jobs where job_type = 'calendar_sync'), 1, 'the job is in conveyor.jobs'
);
select is(
    conveyor.dispatch('risk_check', '{}') ->> 'destination', 'jobs', 'risk_check goes to the jobs table'
);
select is(
    conveyor.dispatch('execution', '{"order": 7}') ->> 'queue', 'autosniping_jobs', 'execution goes to autosniping_jobs'
);
select is(
    conveyor.dispatch('order_close', '{}') ->> 'queue', 'autosniping_jobs', 'order_close goes to autosniping_jobs'
);
select is(conveyor.dispatch('alert', '{}') ->> 'queue', 'alert_jobs', 'alert goes to alert_jobs');
select is(conveyor.dispatch('metric', '{}') ->> 'queue', 'metrics_jobs', 'metric goes to metrics_jobs');
select is(
    (
        select count(*)::integer
        from pgmq.q_autosniping_jobs
        where message ->> 'job_type' = 'execution' and message -> 'payload' = '{"order": 7}'
    ),
    1, 'the pgmq message carries job type and payload'
);

do $$ begin perform conveyor.set_route('alert', 'jobs'); end $$;
select is(conveyor.dispatch('alert', '{}') ->> 'destination', 'jobs', 'conveyor.set_route re-routes at once');

select * from finish();
rollback;
