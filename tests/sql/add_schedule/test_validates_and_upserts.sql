-- add_schedule validates every field, upserts with p_replace and keeps the row without it.
begin;
select plan(10);

select throws_like($$ select conveyor.add_schedule('Bad', '* * * * *', 'alert') $$, '%invalid schedule name%', 'upper case name');
select throws_like(
    $$ select conveyor.add_schedule(repeat('a', 55), '* * * * *', 'alert') $$, '%longer than 54%', 'name too long for conveyor_ prefix'
);
select throws_like($$ select conveyor.add_schedule('s1', 'every minute', 'alert') $$, '%invalid cron expression%', 'bad cron');
select throws_like($$ select conveyor.add_schedule('s1', '* * * * *', 'nope') $$, '%unknown job type%', 'unknown job type');
select throws_ok($$ select conveyor.add_schedule('s1', '* * * * *', 'alert', '[1]') $$, '22023', null, 'payload not an object');
select throws_like(
    $$ select conveyor.add_schedule('s1', '* * * * *', 'alert', p_action => 'drop') $$, '%unknown schedule action%', 'unknown action'
);
select is((select count(*)::integer from conveyor.schedules where name = 's1'), 0, 'nothing written by refused calls');

select lives_ok($$ select conveyor.add_schedule('s1', '*/10   * * * *', 'alert', '{"a": 1}', 3) $$, 'a valid schedule is added');
do $$ begin
    perform conveyor.add_schedule('s1', '*/20 * * * *', 'alert', p_replace => false);
end $$;
select is((select cron from conveyor.schedules where name = 's1'), '*/10 * * * *', 'p_replace => false keeps the existing row');
do $$ begin
    perform conveyor.add_schedule('s1', '*/20 * * * *', 'metric');
end $$;
select is(
    (select cron || ' ' || job_type from conveyor.schedules where name = 's1'), '*/20 * * * * metric', 'p_replace updates it'
);

select * from finish();
rollback;
