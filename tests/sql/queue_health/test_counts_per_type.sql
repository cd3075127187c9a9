-- queue_health counts ready, scheduled, running, recent completions and failures, dead, and run-time quantiles per type.
-- Fixture rows are inserted with insert ... select; their columns need no aliases.
-- noqa: disable=AL03
begin;
select plan(10);

do $$ begin
    perform conveyor.enqueue('alert', '{}') from generate_series(1, 3);
end $$;
do $$ begin
    perform conveyor.enqueue('alert', '{}', p_delay => interval '1 hour');
end $$;
do $$ begin
    perform conveyor.enqueue('metric', '{}', p_run_at => now() - interval '10 minutes');
end $$;
do $$ begin
    perform count(*) from conveyor.claim_batch('w', 1, array['metric']);
end $$;
insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
select
    -g,
    'alert',
    0,
    1,
    now() - interval '10 minutes',
    now() - interval '5 minutes' - g * interval '1 second',
    now() - interval '5 minutes'
from generate_series(1, 4) as g;
-- Old history is outside the hour.
insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
values (-100, 'alert', 0, 1, now() - interval '3 hours', now() - interval '3 hours', now() - interval '2 hours');
insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, reason, created_at, died_at)
values (-1, 'alert', '{}', 0, 5, 5, '[]', 'test', now(), now() - interval '10 minutes'),
(-2, 'alert', '{}', 0, 5, 5, '[]', 'test', now(), now() - interval '40 days');

select is((select ready from conveyor.queue_health where job_type = 'alert'), 3::bigint, 'ready');
select is((select scheduled from conveyor.queue_health where job_type = 'alert'), 1::bigint, 'scheduled');
select is((select running from conveyor.queue_health where job_type = 'metric'), 1::bigint, 'running');
select is((select completed_1h from conveyor.queue_health where job_type = 'alert'), 4::bigint, 'completed in the last hour only');
select is((select failed_1h from conveyor.queue_health where job_type = 'alert'), 1::bigint, 'died in the last hour counts as failed');
select is((select dead from conveyor.queue_health where job_type = 'alert'), 1::bigint, 'dead within the window only');
select is((select p50_seconds from conveyor.queue_health where job_type = 'alert'), 2.5, 'p50 run time');
select is((select error_rate from conveyor.queue_health where job_type = 'alert'), 0.2, 'error rate = failed / (completed + failed)');
select is((select per_minute from conveyor.queue_health where job_type = 'alert'), 0.07, 'rate per minute');
select ok(
    (select oldest_ready_age >= interval '10 minutes' from conveyor.queue_health where job_type = 'metric') is null,
    'no oldest ready age when nothing is ready (the metric job is running)'
);

select * from finish();
rollback;
