-- Triage groups the jobs table's dead letters and every pgmq DLQ's by job type and error fingerprint, with count, first and last seen.
begin;
select plan(5);

insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, last_error, reason, created_at, died_at)
values
(
    -1,
    'calendar_sync',
    '{}',
    0,
    5,
    5,
    '[]',
    'TimeoutError: calendar 17 timed out after 30 s',
    'attempts exhausted',
    now(),
    now() - interval '2 hours'
),
(
    -2,
    'calendar_sync',
    '{}',
    0,
    5,
    5,
    '[]',
    'TimeoutError: calendar 18 timed out after 31 s',
    'attempts exhausted',
    now(),
    now() - interval '1 hour'
),
(-3, 'calendar_sync', '{}', 0, 5, 5, '[]', 'KeyError: ''token''', 'attempts exhausted', now(), now()),
(-4, 'risk_check', '{}', 0, 5, 5, '[]', 'TimeoutError: calendar 19 timed out after 30 s', 'attempts exhausted', now(), now());

do $$ begin
    perform pgmq.send('alert_jobs', jsonb_build_object('job_id', g::text || '-x', 'job_type', 'alert'))
    from generate_series(1, 3) as g;
    perform conveyor.pgmq_read('alert_jobs');
end $$;

select results_eq(
    $$ select queue, job_type, fingerprint, count::integer from conveyor.dlq_triage() order by queue, job_type, fingerprint $$,
    $$ values
        ('alert_jobs_dlq', 'alert', 'unusable message: job_id "<n>-x" is not a positive whole number', 3),
        ('jobs', 'calendar_sync', 'KeyError: ''token''', 1),
        ('jobs', 'calendar_sync', 'TimeoutError: calendar <n> timed out after <n> s', 2),
        ('jobs', 'risk_check', 'TimeoutError: calendar <n> timed out after <n> s', 1)
    $$,
    'one group per source, job type and fingerprint'
);
select results_eq(
    $$ select first_seen, last_seen, sample_id from conveyor.dlq_triage('jobs', 'calendar_sync') where count = 2 $$,
    $$ select now() - interval '2 hours', now() - interval '1 hour', -2::bigint $$,
    'first and last seen, and the newest as sample'
);
select is((select (array_agg(queue))[1] from conveyor.dlq_triage()), 'alert_jobs_dlq', 'the biggest group first');
select is(
    (select count(*)::integer from conveyor.dlq_list(p_fingerprint => 'TimeoutError: calendar <n> timed out after <n> s')),
    3, 'list by fingerprint text (across job types)'
);
select is(
    (select count(*)::integer from conveyor.dlq_list(p_fingerprint => (
        select fingerprint_id from conveyor.dlq_triage('alert_jobs')
    ))),
    3, 'list by fingerprint id'
);

select * from finish();
rollback;
