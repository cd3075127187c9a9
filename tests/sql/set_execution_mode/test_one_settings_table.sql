-- The execution mode is three rows of conveyor.settings, and one setting defines a live worker for every reader.
begin;
select plan(9);

update conveyor.schedules set enabled = false;

select is(to_regclass('conveyor.execution_settings'), null, 'there is no second settings table');
select results_eq(
    $$ select name::text, value, kind from conveyor.settings
       where name in ('primary_executor', 'inngest_fallback', 'dual_run') order by name $$,
    $$ values ('dual_run', 'false', 'boolean'), ('inngest_fallback', 'false', 'boolean'), ('primary_executor', 'postgres', 'choice') $$,
    'the mode''s flags are settings rows'
);
do $$ begin perform conveyor.set_execution_mode('inngest', true, null, interval '2 minutes'); end $$;
select results_eq(
    $$ select name::text, value from conveyor.settings
       where name in ('primary_executor', 'inngest_fallback', 'health_worker_stale_after') order by name $$,
    $$ values ('health_worker_stale_after', '00:02:00'), ('inngest_fallback', 'true'), ('primary_executor', 'inngest') $$,
    'set_execution_mode writes them; unhealthy_after is health_worker_stale_after'
);
select throws_ok(
    $$ select conveyor.set_execution_mode(p_unhealthy_after => interval '1000000 years') $$, '22023', null,
    'an unhealthy_after beyond the setting''s bounds is refused'
);
select throws_like(
    $$ select conveyor.set_setting('dual_run', 'maybe') $$, 'conveyor: setting dual_run takes true or false%',
    'a boolean setting takes true or false'
);
select throws_like(
    $$ select conveyor.set_setting('primary_executor', 'lambda') $$, 'conveyor: setting primary_executor takes one of postgres, inngest%',
    'a choice takes one of its choices'
);

-- One definition of live: a worker seen 90 s ago is live under a 2-minute setting, everywhere; not under 1 minute.
do $$
begin
    perform conveyor.worker_heartbeat('w-old', array['metric']);
    update conveyor.workers set last_seen_at = now() - interval '90 seconds';
end $$;
select results_eq(
    $$ select (select live_workers from conveyor.job_status where job_type = 'metric'),
              (select live from conveyor.worker_health where worker = 'w-old'),
              conveyor._postgres_healthy('metric') $$,
    $$ values (1::bigint, true, true) $$,
    'job_status, worker_health and fallback routing agree: live'
);
do $$ begin perform conveyor.set_setting('health_worker_stale_after', '1 minute'); end $$;
select results_eq(
    $$ select (select live_workers from conveyor.job_status where job_type = 'metric'),
              (select live from conveyor.worker_health where worker = 'w-old'),
              conveyor._postgres_healthy('metric') $$,
    $$ values (0::bigint, false, false) $$,
    'and all agree: not live'
);
select is((conveyor.execution_mode() ->> 'unhealthy_after_seconds')::numeric, 60::numeric, 'execution_mode reports the same setting');

select * from finish();
rollback;
