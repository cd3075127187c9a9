-- set_setting refuses values within the kind but outside the setting's bounds: none that break housekeeping or health().
begin;
select plan(8);

select throws_ok($$ select conveyor.set_setting('prune_batch_size', '0') $$, '22023', null, 'prune_batch_size 0');
select throws_ok($$ select conveyor.set_setting('prune_max_batches', '0') $$, '22023', null, 'prune_max_batches 0');
select throws_like(
    $$ select conveyor.set_setting('dead_letter_retention', '1000000 years') $$,
    'conveyor: setting dead_letter_retention takes an interval from 1 microsecond to 100 years%',
    'dead_letter_retention of a million years'
);
select throws_ok(
    $$ select conveyor.set_setting('health_dead_window', '1000000 years') $$, '22023', null,
    'health_dead_window of a million years'
);
select throws_ok($$ select conveyor.set_setting('health_pending_max', '99999999999999') $$, '22023', null, 'a count beyond its bound');
select is(
    (
        select array_agg(value order by name) from conveyor.settings
        where name in ('prune_batch_size', 'prune_max_batches', 'dead_letter_retention', 'health_dead_window')
    ),
    array['30 days', '24 hours', '10000', '100'], 'no refused value was stored'
);
select lives_ok($$ select conveyor.housekeeping() $$, 'housekeeping runs');
select lives_ok($$ select conveyor.health() $$, 'health() answers');

select * from finish();
rollback;
