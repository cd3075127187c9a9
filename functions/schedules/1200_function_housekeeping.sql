-- conveyor.housekeeping
-- Prunes everything kept past its retention (history, dead letters, outbox, pgmq archives, logs), rescues leases, logs it; returns jsonb.
--
-- Run daily by the housekeeping schedule; safe to call by hand. Deletes go in
-- bounded batches (prune_batch_size rows, at most prune_max_batches per table per
-- run), so no statement writes a giant transaction; what is left is pruned by the
-- next run. A transaction-level advisory lock makes a concurrent second run return
-- status 'skipped' at once instead of doing the same work twice.
create or replace function conveyor.housekeeping()
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    -- An arbitrary, fixed key (migrate uses 7311001).
    c_lock_key constant bigint := 7311003;
    v_batch integer := conveyor._setting('prune_batch_size', '10000')::integer;
    v_max_batches integer := conveyor._setting('prune_max_batches', '100')::integer;
    v_history_cutoff interval := conveyor._setting('history_retention', '7 days')::interval;
    -- Dead letters of the jobs table and messages of pgmq's <queue>_dlq alike.
    v_dead_keep interval := conveyor._setting('dead_letter_retention', '30 days')::interval;
    v_dead_cutoff timestamptz := pg_catalog.now() - v_dead_keep;
    v_cron_cutoff timestamptz := pg_catalog.now() - conveyor._setting('cron_run_details_retention', '7 days')::interval;
    v_log_cutoff timestamptz := pg_catalog.now() - conveyor._setting('log_retention', '30 days')::interval;
    -- Inngest deduplicates event ids for 24 hours: a sent row is kept at least a day
    -- (set_setting refuses less; this guards a value written to the table by hand).
    v_outbox_keep interval := greatest(conveyor._setting('outbox_retention', '7 days')::interval, interval '1 day');
    v_archive_keep interval := conveyor._setting('pgmq_archive_retention', '7 days')::interval;
    v_outbox integer := 0;
    v_pgmq jsonb := '{}';
    v_history bigint := 0;
    v_dead bigint := 0;
    v_cron bigint := 0;
    v_logs bigint := 0;
    v_rescued integer := 0;
    v_count integer;
    v_cron_note text := 'pruned';
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_result jsonb;
begin
    if v_batch < 1 or v_max_batches < 1 then
        raise exception 'conveyor: prune_batch_size and prune_max_batches must be at least 1' using errcode = '22023';
    end if;
    if not pg_catalog.pg_try_advisory_xact_lock(c_lock_key) then
        insert into conveyor.housekeeping_log (status, finished_at, details)
        values ('skipped', pg_catalog.clock_timestamp(), '{"reason": "another housekeeping run holds the lock"}');
        return pg_catalog.jsonb_build_object('status', 'skipped', 'reason', 'another housekeeping run holds the lock');
    end if;

    v_rescued := conveyor.rescue_expired(10000);
    v_history := conveyor.prune_history(v_history_cutoff, v_batch, v_max_batches);

    for i in 1 .. v_max_batches loop
        delete from conveyor.dead_letters as d
        where d.id = any(array(
            select x.id from conveyor.dead_letters as x where x.died_at < v_dead_cutoff
            order by x.died_at limit v_batch
        ));
        get diagnostics v_count = row_count;
        v_dead := v_dead + v_count;
        exit when v_count < v_batch;
    end loop;

    for i in 1 .. v_max_batches loop
        delete from conveyor.schedule_runs as r
        where r.id = any(array(
            select x.id from conveyor.schedule_runs as x where x.ran_at < v_log_cutoff
            order by x.ran_at limit v_batch
        ));
        get diagnostics v_count = row_count;
        v_logs := v_logs + v_count;
        exit when v_count < v_batch;
    end loop;
    delete from conveyor.housekeeping_log as l where l.started_at < v_log_cutoff;
    get diagnostics v_count = row_count;
    v_logs := v_logs + v_count;
    delete from conveyor.workers as w where w.last_seen_at < v_log_cutoff;
    get diagnostics v_count = row_count;
    v_logs := v_logs + v_count;

    v_outbox := conveyor.prune_outbox(v_outbox_keep);
    v_pgmq := conveyor.prune_pgmq(v_archive_keep, v_dead_keep, v_batch, v_max_batches);

    -- pg_cron never prunes its own run log. Only where it is installed in this
    -- database and we may delete from it (on Supabase the postgres role may).
    if pg_catalog.to_regclass('cron.job_run_details') is null then
        v_cron_note := 'pg_cron not installed in this database';
    elsif not pg_catalog.has_table_privilege('cron.job_run_details', 'delete') then
        v_cron_note := 'no delete permission on cron.job_run_details';
    else
        for i in 1 .. v_max_batches loop
            execute 'delete from cron.job_run_details as d where d.runid = any(array('
                'select x.runid from cron.job_run_details as x where x.end_time < $1 limit $2))'
                using v_cron_cutoff, v_batch;
            get diagnostics v_count = row_count;
            v_cron := v_cron + v_count;
            exit when v_count < v_batch;
        end loop;
    end if;

    v_result := pg_catalog.jsonb_build_object(
        'status', 'done',
        'history_pruned', v_history,
        'dead_letters_pruned', v_dead,
        'cron_details_pruned', v_cron,
        'cron_details', v_cron_note,
        'logs_pruned', v_logs,
        'outbox_pruned', v_outbox,
        'pgmq_archive_pruned', v_pgmq -> 'archive_pruned',
        'pgmq_dlq_pruned', v_pgmq -> 'dlq_pruned',
        'rescued', v_rescued,
        'seconds', pg_catalog.round(extract(epoch from pg_catalog.clock_timestamp() - v_started)::numeric, 3)
    );
    insert into conveyor.housekeeping_log (
        status, started_at, finished_at, history_pruned, dead_letters_pruned, cron_details_pruned,
        logs_pruned, rescued, details
    )
    values ('done', v_started, pg_catalog.clock_timestamp(), v_history, v_dead, v_cron, v_logs, v_rescued, v_result);
    return v_result;
end;
$$;
