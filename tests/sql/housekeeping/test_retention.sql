-- housekeeping prunes what is past retention, keeps what is young, bounds its batches, rescues leases and logs it.
-- Fixture rows are inserted with insert ... select; their columns need no aliases.
-- noqa: disable=AL03
begin;
select plan(11);

insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
select
    -g,
    'alert',
    0,
    1,
    now() - interval '9 days',
    now() - interval '9 days',
    now() - interval '8 days'
from generate_series(1, 5) as g;
insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
values (-100, 'alert', 0, 1, now() - interval '6 days', now() - interval '6 days', now() - interval '6 days');
insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, reason, created_at, died_at)
values (-1, 'alert', '{}', 0, 5, 5, '[]', 'old', now(), now() - interval '31 days'),
(-2, 'alert', '{}', 0, 5, 5, '[]', 'young', now(), now() - interval '29 days');
insert into conveyor.schedule_runs (schedule, ran_at, enqueued, via)
values ('risk_check', now() - interval '31 days', true, 'cron'), ('risk_check', now() - interval '1 day', true, 'cron');
-- A running job whose lease ran out.
do $$ begin
    perform conveyor.enqueue('alert', '{}');
end $$;
do $$ begin
    perform count(*) from conveyor.claim_batch('w', 1);
end $$;
update conveyor.jobs set locked_until = now() - interval '1 second';

-- Bounded: batches of 2, at most one batch per table.
update conveyor.settings set value = '2' where name = 'prune_batch_size';
update conveyor.settings set value = '1' where name = 'prune_max_batches';
select is((conveyor.housekeeping() ->> 'history_pruned')::integer, 2, 'one batch of 2 when bounded');

update conveyor.settings set value = '100' where name = 'prune_max_batches';
select is(conveyor.housekeeping() - 'seconds', jsonb_build_object(
    'status', 'done', 'history_pruned', 3, 'dead_letters_pruned', 0, 'cron_details_pruned', 0,
    'cron_details', 'pg_cron not installed in this database', 'logs_pruned', 0, 'rescued', 0,
    'outbox_pruned', 0, 'pgmq_archive_pruned', 0, 'pgmq_dlq_pruned', 0
), 'the rest of the old history in batches');

select is((select array_agg(id) from conveyor.job_history), array[-100::bigint], 'young history kept');
select is((select array_agg(reason) from conveyor.dead_letters), array['young'], 'the old dead letter pruned, the young kept');
select is((select count(*)::integer from conveyor.schedule_runs), 1, 'old schedule runs pruned');
select is((select state::text from conveyor.jobs), 'queued', 'the expired lease was rescued');
select is(
    (select array_agg(rescued order by id) from conveyor.housekeeping_log), array[1, 0], 'the first run logged the rescue'
);
select is((select sum(history_pruned)::integer from conveyor.housekeeping_log), 5, 'the log adds up');
select is((select count(*)::integer from conveyor.housekeeping_log where status = 'done'), 2, 'each run logged');

-- Re-running changes nothing.
select is((conveyor.housekeeping() ->> 'history_pruned')::integer, 0, 're-run: nothing left to prune');
update conveyor.settings set value = '1 day' where name = 'history_retention';
select is((conveyor.housekeeping() ->> 'history_pruned')::integer, 1, 'retention is a setting');

select * from finish();
rollback;
