-- worker_health shows every runner's heartbeat and whether it is live.
begin;
select plan(3);

insert into conveyor.workers (name, job_types, in_flight, last_seen_at)
values ('fresh', '{alert}', 3, now() - interval '5 seconds'), ('silent', '{alert}', 0, now() - interval '10 minutes');

select is((select live from conveyor.worker_health where worker = 'fresh'), true, 'a recent heartbeat is live');
select is((select live from conveyor.worker_health where worker = 'silent'), false, 'a 10-minute-old one is not');
select is((select in_flight from conveyor.worker_health where worker = 'fresh'), 3, 'jobs in flight');

select * from finish();
rollback;
