-- Functions that subtract an interval from now() refuse one that would leave the timestamp range (22023, not 22008).
-- Found by tests/reliability/test_bad_input_fuzz.py.
begin;
select plan(4);

select throws_ok(
    $$ select conveyor.prune_history(interval '1000000 years') $$, '22023', null, 'prune_history: a cutoff of a million years'
);
select throws_ok(
    $$ select conveyor.prune_outbox(interval '1000000 years') $$, '22023', null, 'prune_outbox: a million years'
);
select throws_ok(
    $$ select * from conveyor.run_time_buckets(interval '-1000000 years') $$, '22023', null, 'run_time_buckets: a negative window'
);
select throws_ok(
    $$ select * from conveyor.run_time_buckets(interval '1 hour', array[1, null]::float8[]) $$, '22023', null,
    'run_time_buckets: a null bound'
);

select * from finish();
rollback;
