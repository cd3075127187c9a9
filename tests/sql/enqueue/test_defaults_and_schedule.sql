-- enqueue takes priority and max_attempts from the job type unless given, and sets run_at from run_at or delay.
begin;
select plan(4);

do $$
begin
    perform conveyor.enqueue('alert', '{"n": "defaults"}');
    perform conveyor.enqueue('alert', '{"n": "explicit"}', p_priority => -7, p_max_attempts => 9);
    perform conveyor.enqueue('alert', '{"n": "delayed"}', p_delay => interval '90 seconds');
    perform conveyor.enqueue('alert', '{"n": "at"}', p_run_at => '2030-01-01 00:00:00+00');
end $$;

select results_eq(
    $$ select priority::integer, max_attempts, run_at, state::text, attempts from conveyor.jobs where payload ->> 'n' = 'defaults' $$,
    $$ values (8, 5, now(), 'queued', 0) $$,
    'the seeded alert type gives priority 8 and 5 attempts; the job is due now'
);
select results_eq(
    $$ select priority::integer, max_attempts from conveyor.jobs where payload ->> 'n' = 'explicit' $$,
    $$ values (-7, 9) $$,
    'explicit priority and max_attempts win'
);
select is(
    (select run_at from conveyor.jobs where payload ->> 'n' = 'delayed'), now() + interval '90 seconds',
    'a delay sets run_at that far from now'
);
select is(
    (select run_at from conveyor.jobs where payload ->> 'n' = 'at'), '2030-01-01 00:00:00+00'::timestamptz,
    'run_at is taken as given'
);

select * from finish();
rollback;
