-- tick runs each enabled schedule once per due slot, catches up once after missed slots, skips paused ones.
begin;
select plan(7);

update conveyor.schedules set enabled = false;
do $$ begin
    perform conveyor.add_schedule('five', '*/5 * * * *', 'risk_check');
end $$;
do $$ begin
    perform conveyor.add_schedule('paused', '* * * * *', 'metric', p_enabled => false);
end $$;
update conveyor.schedules set created_at = '2026-01-01 10:00:30+00' where name in ('five', 'paused');

select is((select count(*)::integer from conveyor.tick('2026-01-01 10:04:00+00')), 0, 'nothing due before the first slot');
select is(
    (select array_agg(schedule || '@' || to_char(due_at at time zone 'UTC', 'HH24:MI')) from conveyor.tick('2026-01-01 10:17:00+00')),
    array['five@10:15'], 'three missed slots run once, for the latest'
);
select is((select count(*)::integer from conveyor.tick('2026-01-01 10:19:00+00')), 0, 'not again within the same slot');
select is((select count(*)::integer from conveyor.tick('2026-01-01 10:20:00+00')), 1, 'the next slot runs');
select is((select count(*)::integer from conveyor.jobs where job_type = 'risk_check'), 1, 'the dedup key kept one job');
select is((select count(*)::integer from conveyor.jobs where job_type = 'metric'), 0, 'the paused schedule never ran');
select is(
    (select array_agg(via) from conveyor.schedule_runs where schedule = 'five'), array['tick', 'tick'], 'runs recorded as tick'
);

select * from finish();
rollback;
