-- set_setting accepts values of the setting's kind and refuses the rest, leaving the old value.
begin;
select plan(7);

select is(conveyor.set_setting('history_retention', '14 days'), '14 days', 'an interval setting takes an interval');
select is((select value from conveyor.settings where name = 'history_retention'), '14 days', 'and keeps it');
select is(conveyor.set_setting('health_pending_max', '200'), '200', 'a count takes a whole number');
select throws_like(
    $$ select conveyor.set_setting('history_retention', 'forever') $$,
    '%takes an interval from 1 microsecond to 100 years%', 'not an interval'
);
select throws_like($$ select conveyor.set_setting('history_retention', '-1 day') $$, '%takes an interval%', 'negative');
select throws_like($$ select conveyor.set_setting('health_pending_max', '1 day') $$, '%whole number%', 'not a count');
select throws_like($$ select conveyor.set_setting('no_such', '1') $$, '%no setting named%', 'unknown setting');

select * from finish();
rollback;
