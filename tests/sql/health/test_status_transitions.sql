-- health() moves healthy -> degraded -> unhealthy -> healthy as the thresholds are crossed and cleared.
-- Fixture rows are inserted with insert ... select; their columns need no aliases.
-- noqa: disable=AL03
begin;
select plan(16);

-- The seeded schedules are not run by pg_cron in a test database: keep them out of it.
update conveyor.schedules set enabled = false;

select is(conveyor.health() ->> 'status', 'healthy', 'an idle system is healthy');
select is(conveyor.health() -> 'problems', '[]'::jsonb, 'with no problems');

do $$ begin
    perform conveyor.enqueue('alert', '{}') from generate_series(1, 50);
end $$;
select is(conveyor.health() ->> 'status', 'healthy', '50 ready jobs is at the threshold, not over it');
do $$ begin
    perform conveyor.enqueue('alert', '{}');
end $$;
select is(conveyor.health() ->> 'status', 'degraded', '51 ready jobs: degraded');
select is(conveyor.health() #>> '{problems,0,check}', 'pending', 'the problem is named');
select ok(conveyor.health() #>> '{problems,0,recommendation}' like '%worker%', 'with a recommendation');
select is((conveyor.health() #>> '{metrics,ready}')::integer, 51, 'and the metric');

-- A job that has waited four hours with nothing completing: unhealthy.
do $$ begin
    perform conveyor.enqueue('metric', '{}', p_run_at => now() - interval '4 hours');
end $$;
select is(conveyor.health() ->> 'status', 'unhealthy', 'oldest pending over 3 hours: unhealthy');
select is(
    (select array_agg(p ->> 'check' order by p ->> 'check') from jsonb_array_elements(conveyor.health() -> 'problems') as p),
    array['oldest_pending', 'pending', 'stalled'], 'every crossed threshold is reported'
);

-- Workers drain everything: healthy again.
do $$ begin
    perform conveyor.complete_jobs(array_agg(c.id), array_agg(c.lease_token)) from conveyor.claim_batch('w', 100) as c;
end $$;
select is(conveyor.health() ->> 'status', 'healthy', 'drained: healthy again');
select is((conveyor.health() #>> '{metrics,completed_1h}')::integer, 52, 'completions counted');

-- Eleven recent dead letters: degraded.
insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, reason, created_at)
select
    -g,
    'alert',
    '{}',
    0,
    5,
    5,
    '[]',
    'test',
    now()
from generate_series(1, 11) as g;
select is(conveyor.health() #>> '{problems,0,check}', 'dead', 'dead letters over 10: degraded');
delete from conveyor.dead_letters;

-- A schedule that should have fired an hour ago and did not: degraded.
update conveyor.schedules set enabled = true, created_at = now() - interval '1 hour' where name = 'risk_check';
select is(conveyor.health() #>> '{problems,0,check}', 'missed_schedule', 'a missed schedule: degraded');
do $$ begin
    perform conveyor.run_schedule('risk_check');
end $$;
select is(conveyor.health() ->> 'status', 'healthy', 'it ran: healthy again');

-- Thresholds are settings (52 ready: these 51 and risk_check's job).
do $$ begin
    perform conveyor.enqueue('alert', '{}') from generate_series(1, 51);
end $$;
update conveyor.settings set value = '100' where name = 'health_pending_max';
select is(conveyor.health() ->> 'status', 'healthy', 'a higher threshold from settings applies');
update conveyor.settings set value = '0' where name = 'health_pending_max';
select is(
    conveyor.health() -> 'reasons', '["52 jobs are ready to run (threshold 0)"]'::jsonb, 'reasons list each problem'
);

select * from finish();
rollback;
