-- conveyor.ensure_history_partitions
-- Creates the daily partitions of conveyor.job_history from today to p_days_ahead days ahead (UTC); returns how many it created.
--
-- Run by housekeeping (daily) and prune_history, and by hand whenever you like: a
-- partition that exists is left alone. A day whose rows already went to the default
-- partition (nobody created its partition in time) is skipped: its rows stay in the
-- default, which prune_history trims by rows. Each partition is named
-- job_history_pYYYYMMDD, gets row level security and no grant, like every table here.
-- DDL: the caller must own conveyor.job_history (the role that migrates; pg_cron's
-- housekeeping runs as it).
create or replace function conveyor.ensure_history_partitions(p_days_ahead integer default 7)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_today timestamptz := pg_catalog.date_trunc('day', pg_catalog.now() at time zone 'UTC') at time zone 'UTC';
    v_from timestamptz;
    v_name text;
    v_created integer := 0;
    v_lock_timeout text := pg_catalog.current_setting('lock_timeout');
begin
    if p_days_ahead is null or p_days_ahead not between 0 and 366 then
        raise exception 'conveyor: ensure_history_partitions needs 0 to 366 days ahead, got %', coalesce(p_days_ahead::text, 'NULL')
            using errcode = '22023';
    end if;
    for i in 0 .. p_days_ahead loop
        v_from := v_today + pg_catalog.make_interval(days => i);
        v_name := 'job_history_p' || pg_catalog.to_char(v_from at time zone 'UTC', 'YYYYMMDD');
        -- Already covered: by its own partition, or by the legacy one (its range ends at
        -- the end of the day the history was partitioned).
        continue when exists (
            select 1 from conveyor._history_partitions() as p
            where not p.is_default and v_from >= p.lower_bound and v_from < p.upper_bound
        );
        continue when exists (
            select 1 from conveyor.job_history_default as d
            where d.finished_at >= v_from and d.finished_at < v_from + interval '1 day'
        );
        -- Created apart, then attached: ATTACH takes only a share update exclusive lock
        -- on job_history (completions and readers go on), where CREATE ... PARTITION OF
        -- would take an exclusive one. It briefly locks the default partition to check
        -- it holds nothing of that day: waited for at most 1 s (a long reader), else the
        -- day is left for the next run (its rows meanwhile go to the default). A caller
        -- that may not create tables here gets a notice, not an error.
        begin
            perform pg_catalog.set_config('lock_timeout', '1s', true);
            execute pg_catalog.format(
                'create table conveyor.%I (like conveyor.job_history including defaults including constraints)'
                ' with (autovacuum_vacuum_scale_factor = 0.05)',
                v_name
            );
            execute pg_catalog.format('alter table conveyor.%I enable row level security', v_name);
            execute pg_catalog.format('revoke all on conveyor.%I from public', v_name);
            execute pg_catalog.format(
                'alter table conveyor.job_history attach partition conveyor.%I for values from (%L) to (%L)',
                v_name, v_from, v_from + interval '1 day'
            );
            perform pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
            v_created := v_created + 1;
        exception when lock_not_available or insufficient_privilege then
            perform pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
            raise notice 'conveyor: could not create history partition % (%); a later run will', v_name, sqlerrm;
        end;
    end loop;
    return v_created;
end;
$$;
