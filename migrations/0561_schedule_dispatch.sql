-- Scheduled runs follow routes and execution modes (issue 9, item 1).
--
-- run_schedule now sends each run where dispatch would (jobs table, pgmq, the
-- Inngest outbox, or both in dual-run mode). A schedule remembers where its last
-- run went (last_dispatch: destination, job id, queue and msg_id, outbox id), so a
-- run is deduplicated against the previous one at the same destination while that
-- is still waiting: a pgmq message still in its queue, an outbox row not yet sent.
-- schedule_runs says where each run went. Both columns are nullable: rows written
-- before this migration simply have no answer.
-- depends: 0560_pgmq_hardening

alter table conveyor.schedules add column last_dispatch jsonb;

alter table conveyor.schedule_runs add column destination text;
alter table conveyor.schedule_runs add constraint schedule_runs_destination_known check (
    destination in ('jobs', 'pgmq', 'inngest', 'database')
);
