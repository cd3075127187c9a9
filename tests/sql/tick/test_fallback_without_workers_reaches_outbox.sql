-- In fallback mode with every worker stopped, a due calendar_sync reaches the Inngest outbox on its first firing.
begin;
select plan(3);

do $$ begin
    perform conveyor.set_execution_mode('postgres', true, false);
    -- A worker ran calendar_sync, then stopped: none is live now.
    perform conveyor.worker_heartbeat('w1', array['calendar_sync', 'risk_check']);
    perform conveyor.worker_stopped('w1');
end $$;
update conveyor.schedules set enabled = (name = 'calendar_sync'), created_at = now() - interval '31 minutes';

create temp table ticked on commit drop as select * from conveyor.tick();
select is((select array_agg(schedule) from ticked), array['calendar_sync'], 'the tick ran calendar_sync once');
select results_eq(
    $$ select job_id, job_type, sent_at from conveyor.inngest_outbox $$,
    $$ select job_id, 'calendar_sync'::text, null::timestamptz from ticked $$,
    'its first firing is in the outbox, for Inngest'
);
select is((select count(*)::integer from conveyor.jobs), 0, 'and nothing piles up in the jobs table');

select * from finish();
rollback;
