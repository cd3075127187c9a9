-- The hot path at scale (issue 10), in two parts: the ready index by job type, and
-- the completed-job history partitioned by day.
--
-- Part 1.
-- The claim reads each job type through its own range of the ready index (issue 10):
-- a backlog of other types, at any priority, no longer costs a restricted claim
-- anything, and a claim can start where its session's last claim stopped (a
-- row comparison on (-priority, run_at, id)), never walking the consumed head of
-- the index that a held snapshot fills with dead row versions. -priority as an
-- expression makes the whole key ascending, so one row comparison positions the scan.
-- claim_batch gains p_fair, so its old signature is dropped here and the new one is
-- created by functions/core/0320 on the same migrate. The index is built in the
-- migration's transaction: writes to conveyor.jobs wait for it (about a second per
-- million waiting jobs on the development box).
-- depends: 0574_one_settings_table

drop function if exists conveyor.claim_batch(text, integer, text[], interval);

create index jobs_job_type_priority_run_at_id_idx
on conveyor.jobs (job_type, (-(priority::integer)), run_at, id)
where state = 'queued';

drop index conveyor.jobs_priority_run_at_id_idx;

-- Part 2.
-- conveyor.job_history becomes a table partitioned by day of finished_at (issue 10):
-- old history then leaves by dropping whole partitions (prune_history), not by
-- deleting rows one batch at a time, and a table of tens of millions of rows costs
-- a completion no more than an empty one (it inserts into today's partition).
--
-- No row moves: the existing table, with every row and column it has (including
-- any a later feature added), becomes the partition job_history_legacy for
-- everything that finished before the end of today (UTC); conveyor.ensure_history_partitions()
-- creates today's successors, one per day, a week ahead, and housekeeping keeps it
-- so. A default partition catches a row for a day nobody created (housekeeping not
-- run for a week): nothing is ever refused, it is only pruned by rows instead.
-- Attaching scans the old history once to check its range (about a second per few
-- million rows); views that read job_history are re-created by the same migrate.

alter table conveyor.job_history rename to job_history_legacy;
alter index conveyor.job_history_finished_at_idx rename to job_history_legacy_finished_at_idx;
alter table conveyor.job_history_legacy rename constraint job_history_pkey to job_history_legacy_pkey;

create table conveyor.job_history (
    like conveyor.job_history_legacy including defaults including constraints including comments
)
partition by range (finished_at);

-- The key 0551 gave history; it includes finished_at, the partition key, so it holds
-- on the partitioned table (the legacy partition's own index is adopted).
alter table conveyor.job_history add constraint job_history_pkey primary key (id, finished_at);

-- Every partition gets its own BRIN index on finished_at (the old table's is adopted).
create index job_history_finished_at_idx on conveyor.job_history using brin (finished_at);

-- (In a DO block only because sqlfluff cannot parse ATTACH PARTITION.)
do $$
begin
    execute format(
        'alter table conveyor.job_history attach partition conveyor.job_history_legacy'
        ' for values from (minvalue) to (%L)',
        (date_trunc('day', now() at time zone 'UTC') + interval '1 day') at time zone 'UTC'
    );
end
$$;

create table conveyor.job_history_default partition of conveyor.job_history default
with (autovacuum_vacuum_scale_factor = 0.05);

-- The next seven days, so that a fresh install has its partitions before its first
-- housekeeping (which calls conveyor.ensure_history_partitions() from then on).
do $$
declare
    v_from timestamptz;
begin
    for i in 1 .. 7 loop
        v_from := (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') + make_interval(days => i);
        execute format(
            'create table conveyor.%I partition of conveyor.job_history for values from (%L) to (%L)'
            ' with (autovacuum_vacuum_scale_factor = 0.05)',
            'job_history_p' || to_char(v_from at time zone 'UTC', 'YYYYMMDD'), v_from, v_from + interval '1 day'
        );
        execute format(
            'alter table conveyor.%I enable row level security',
            'job_history_p' || to_char(v_from at time zone 'UTC', 'YYYYMMDD')
        );
    end loop;
end
$$;

alter table conveyor.job_history enable row level security;
alter table conveyor.job_history_default enable row level security;
revoke all on all tables in schema conveyor from public;
