-- schedule_health flags a schedule that should have fired and did not, and counts expected vs actual runs.
begin;
select plan(8);

update conveyor.schedules set enabled = false;
do $$ begin
    perform conveyor.add_schedule('five', '*/5 * * * *', 'alert');
end $$;
update conveyor.schedules set created_at = date_trunc('hour', now()) - interval '1 hour' where name = 'five';

select is((select missed from conveyor.schedule_health where schedule = 'five'), true, 'never ran: missed');
select ok((select lag > interval '0' from conveyor.schedule_health where schedule = 'five'), 'with a lag');
select is(
    (select expected_runs_24h from conveyor.schedule_health where schedule = 'five'),
    12 + extract(minute from now() at time zone 'UTC')::integer / 5, 'expected runs since creation'
);
do $$ begin
    perform conveyor.run_schedule('five');
end $$;
do $$ begin
    perform conveyor.run_schedule('five');
end $$;
select is((select missed from conveyor.schedule_health where schedule = 'five'), false, 'ran: not missed');
select is((select runs_24h || '/' || enqueued_24h from conveyor.schedule_health where schedule = 'five'), '2/1', 'runs and enqueues');
select ok((select next_run_at > now() from conveyor.schedule_health where schedule = 'five'), 'next run in the future');

-- A paused schedule is never missed; a resumed one is judged from its resumption.
do $$ begin
    perform conveyor.set_schedule_enabled('five', false);
end $$;
update conveyor.schedules set last_run_at = now() - interval '1 hour', last_due_at = now() - interval '1 hour' where name = 'five';
select is((select missed from conveyor.schedule_health where schedule = 'five'), false, 'paused: not missed');
do $$ begin
    perform conveyor.set_schedule_enabled('five', true);
end $$;
select is((select missed from conveyor.schedule_health where schedule = 'five'), false, 'just resumed: not missed');

select * from finish();
rollback;
