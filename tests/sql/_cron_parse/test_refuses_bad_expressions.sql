-- _cron_parse refuses what pg_cron would not run, with a clear message.
begin;
select plan(9);

select throws_like($$ select conveyor._cron_parse('* * *') $$, '%invalid cron expression%', 'three fields');
select throws_like($$ select conveyor._cron_parse('* * * * * *') $$, '%invalid cron expression%', 'six fields');
select throws_like($$ select conveyor._cron_parse(null) $$, '%invalid cron expression%', 'null');
select throws_like($$ select conveyor._cron_parse('60 * * * *') $$, '%minute field%out of range%', 'minute 60');
select throws_like($$ select conveyor._cron_parse('* 24 * * *') $$, '%hour field%out of range%', 'hour 24');
select throws_like($$ select conveyor._cron_parse('*/0 * * * *') $$, '%out of range%', 'a zero step');
select throws_like($$ select conveyor._cron_parse('5-1 * * * *') $$, '%out of range%', 'a reversed range');
select throws_like($$ select conveyor._cron_parse('* * * jan *') $$, '%invalid month field%', 'names are not supported');
select throws_ok($$ select conveyor._cron_parse('*; drop table conveyor.jobs * * * *') $$, '22023', null, 'hostile text');

select * from finish();
rollback;
