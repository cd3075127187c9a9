-- conveyor.prune_history
-- Removes completed-job history older than p_older_than: whole daily partitions by DROP, the rest in bounded batches; returns rows removed.
--
-- conveyor.job_history is partitioned by day of finished_at. A partition that ends
-- before the cutoff is dropped whole (its rows counted first): no dead rows, no
-- vacuum, however large. The partition the cutoff falls in (and the default and
-- legacy ones, which can hold any age) are trimmed by short deletes of at most
-- p_batch_size rows, at most p_max_batches of them per partition, so pruning never
-- holds long locks or writes one giant transaction's worth of WAL at once.
-- A DROP needs a brief exclusive lock on job_history: it waits at most 1 s for one
-- (a long reader, such as pg_dump, holds it off), so completions are never queued
-- behind it for longer; a partition it cannot drop (that, or a caller that does not
-- own the table) is trimmed by rows like the rest. Also creates the coming days'
-- partitions (conveyor.ensure_history_partitions).
create or replace function conveyor.prune_history(
    p_older_than interval default interval '7 days',
    p_batch_size integer default 10000,
    p_max_batches integer default 1000
)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_total bigint := 0;
    v_count bigint;
    v_cutoff timestamptz;
    v_part record;
    v_lock_timeout text := pg_catalog.current_setting('lock_timeout');
begin
    -- Without these a null cutoff or a batch size of 0 would silently remove nothing.
    -- 100 years, as the retention settings: now() minus much more leaves the timestamp range.
    if p_older_than is null or p_older_than not between interval '0' and interval '100 years' then
        raise exception 'conveyor: prune_history needs a cutoff age (older_than) of 0 to 100 years, got %',
            coalesce(p_older_than::text, 'NULL')
            using errcode = '22023';
    end if;
    v_cutoff := pg_catalog.now() - p_older_than;
    if p_batch_size is null or p_batch_size < 1 or p_max_batches is null or p_max_batches < 1 then
        raise exception 'conveyor: prune_history needs a batch size and a number of batches of at least 1'
            using errcode = '22023';
    end if;

    perform conveyor.ensure_history_partitions();

    for v_part in
        select p.partition_name from conveyor._history_partitions() as p
        where not p.is_default and p.upper_bound <= v_cutoff
    loop
        begin
            perform pg_catalog.set_config('lock_timeout', '1s', true);
            execute pg_catalog.format('lock table conveyor.job_history, conveyor.%I in access exclusive mode', v_part.partition_name);
            execute pg_catalog.format('select pg_catalog.count(*) from conveyor.%I', v_part.partition_name) into v_count;
            execute pg_catalog.format('drop table conveyor.%I', v_part.partition_name);
            perform pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
            v_total := v_total + v_count;
        exception when lock_not_available or insufficient_privilege then
            -- Trimmed by rows below instead, and dropped (empty) by a later run.
            perform pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
            raise notice 'conveyor: could not drop history partition % (%); trimming it by rows', v_part.partition_name, sqlerrm;
        end;
    end loop;

    for v_part in
        select p.partition_name from conveyor._history_partitions() as p
        where p.is_default or p.lower_bound < v_cutoff
    loop
        for i in 1 .. p_max_batches loop
            execute pg_catalog.format(
                'delete from conveyor.%1$I as h where h.ctid = any(array('
                'select x.ctid from conveyor.%1$I as x where x.finished_at < $1 limit $2))',
                v_part.partition_name
            ) using v_cutoff, p_batch_size;
            get diagnostics v_count = row_count;
            v_total := v_total + v_count;
            exit when v_count < p_batch_size;
        end loop;
    end loop;
    return v_total;
end;
$$;
