-- health() reports a transaction open longer than health_old_xact_max: degraded, how to find and end it, and no pid.
-- The test's own transaction is the old one: with a 1 microsecond threshold any open transaction counts.
begin;
select plan(9);

-- The seeded schedules are not run by pg_cron in a test database: keep them out of it.
update conveyor.schedules set enabled = false;

select is(conveyor._setting('health_old_xact_max', 'x'), '5 minutes', 'the threshold defaults to 5 minutes');
select is(conveyor.health() ->> 'status', 'healthy', 'a young transaction is not reported');
select is((conveyor.health() #>> '{metrics,old_transactions}')::integer, 0, 'and not counted');

select conveyor.set_setting('health_old_xact_max', '1 microsecond');
select pg_sleep(0.01); -- a lower bound on the transaction's age, not a wait for something to happen
select is(conveyor.health() ->> 'status', 'degraded', 'a transaction older than the threshold: degraded');
select is(
    (select p ->> 'check' from jsonb_array_elements(conveyor.health() -> 'problems') as p),
    'old_transaction', 'the problem is named'
);
select ok(
    not (conveyor.health() -> 'problems' -> 0) ?| array['pid', 'application_name', 'user', 'usename'],
    'without any session''s pid, user or application name (health() feeds an unauthenticated probe)'
);
select ok(
    conveyor.health() #>> '{problems,0,recommendation}' like '%pg_stat_activity%pg_terminate_backend(<pid>)%',
    'the recommendation says how to find and end it'
);
select ok((conveyor.health() #>> '{metrics,old_transactions}')::integer >= 1, 'the metric counts it');

select conveyor.set_setting('health_old_xact_max', '1 hour');
select is(conveyor.health() ->> 'status', 'healthy', 'under a larger threshold: healthy again');

select * from finish();
rollback;
