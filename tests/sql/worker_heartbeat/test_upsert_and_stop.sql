-- worker_heartbeat records and refreshes a runner; worker_stopped removes it, so job_status stops counting it.
begin;
select plan(5);

do $$
begin
    perform conveyor.worker_heartbeat('w1', array['alert'], 2, 10, 'host-a', 4242);
    update conveyor.workers set last_seen_at = now() - interval '30 seconds';
    perform conveyor.worker_heartbeat('w1', array['alert', 'metric'], 0, 15);
end $$;

do $$ begin perform conveyor.worker_heartbeat('w2', array['alert'], 0, 20, 'host-b', 7, 3); end $$;
select is(
    (select failed from conveyor.workers where name = 'w2'), 3::bigint,
    'the failed-attempt counter is recorded beside processed'
);
do $$ begin delete from conveyor.workers where name = 'w2'; end $$;

select results_eq(
    $$ select name, job_types, in_flight, processed, hostname, pid, last_seen_at from conveyor.workers $$,
    $$ values ('w1', array['alert', 'metric'], 0, 15::bigint, 'host-a', 4242, now()) $$,
    'the second heartbeat updates types and counters, keeps host and pid, and refreshes last_seen_at'
);
select results_eq(
    $$ select job_type, live_workers from conveyor.job_status where job_type in ('alert', 'metric', 'execution') order by 1 $$,
    $$ values ('alert', 1::bigint), ('execution', 0::bigint), ('metric', 1::bigint) $$,
    'job_status counts it for the types it runs'
);

do $$ begin perform conveyor.worker_stopped('w1'); end $$;

select is((select count(*)::integer from conveyor.workers), 0, 'a clean stop removes the row');
select is(
    (select live_workers from conveyor.job_status where job_type = 'alert'), 0::bigint,
    'and job_status no longer counts it'
);

select * from finish();
rollback;
