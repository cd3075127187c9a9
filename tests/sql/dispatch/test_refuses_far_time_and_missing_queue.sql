-- dispatch refuses, with 22023 and a conveyor: message, a run_at pgmq cannot take and a route whose queue was dropped.
begin;
select plan(4);

select throws_like(
    $$ select conveyor.dispatch('alert', '{}', p_run_at => '2200-01-01') $$,
    'conveyor: run_at % is out of range%', 'a run_at in 2200 is refused (not 22003 from pgmq)'
);
select throws_ok(
    $$ select conveyor.dispatch('alert', '{}', p_run_at => '2200-01-01') $$, '22023', null, 'as 22023'
);

do $$ begin perform pgmq.drop_queue('alert_jobs'); end $$;
select throws_like(
    $$ select conveyor.dispatch('alert', '{}') $$,
    'conveyor: job type ''alert'' is routed to pgmq queue ''alert_jobs'', which does not exist',
    'a route to a dropped queue is refused (not 42P01)'
);
select throws_ok($$ select conveyor.dispatch('alert', '{}') $$, '22023', null, 'as 22023');

select * from finish();
rollback;
