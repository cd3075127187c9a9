-- Without pg_cron in this database, reconcile is a no-op that says so, and schedule edits still work.
-- (tests/integration/test_pg_cron.py covers the real pg_cron side.)
begin;
select plan(2);

select is(conveyor.reconcile_schedules(), '{"pg_cron": false}'::jsonb, 'reports pg_cron absent');
select lives_ok($$ select conveyor.add_schedule('x1', '* * * * *', 'alert') $$, 'adding a schedule works without pg_cron');

select * from finish();
rollback;
