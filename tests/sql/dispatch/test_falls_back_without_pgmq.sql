-- Without pgmq, routes to pgmq queues use the jobs table, and the mode says pgmq is missing.
begin;
select plan(5);

-- Transactional DDL: pgmq disappears for this test only.
drop schema pgmq cascade;

select is(conveyor.dispatch('alert', '{"x": 1}') ->> 'destination', 'jobs', 'alert falls back to the jobs table');
select is(
    (select count(*)::integer from conveyor.jobs where job_type = 'alert' and payload = '{"x": 1}'),
    1, 'the alert is a row in conveyor.jobs'
);
select is((conveyor.execution_mode() ->> 'pgmq_available')::boolean, false, 'execution_mode reports pgmq missing');
select is((select count(*)::integer from conveyor.pgmq_queue_depths()), 0, 'no queue depths without pgmq');
select alike(
    (select note from conveyor.list_routes() where job_type = 'metric'), '%falls back to the jobs table%',
    'list_routes says why'
);

select * from finish();
rollback;
