-- conveyor.prune_pgmq
-- Deletes pgmq archive rows (a_<queue>) and dead-letter messages (<queue>_dlq) past their retention, in bounded batches; returns jsonb.
--
-- pgmq never prunes its archives: every acknowledged message stays in a_<queue>.
-- Archive rows go after p_archive_older_than (by archived_at), dead-letter messages
-- after p_dlq_older_than (by enqueued_at, when they entered the DLQ), as dead
-- letters of the jobs table do. Returns {"archive_pruned": n, "dlq_pruned": n}, or
-- a note when pgmq is absent or this role may not use it (housekeeping then goes on).
create or replace function conveyor.prune_pgmq(
    p_archive_older_than interval default interval '7 days',
    p_dlq_older_than interval default interval '30 days',
    p_batch_size integer default 10000,
    p_max_batches integer default 100
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_queue text;
    v_count integer;
    v_archive bigint := 0;
    v_dlq bigint := 0;
begin
    -- 100 years at most, as the retention settings: now() minus much more leaves the timestamp range.
    if p_archive_older_than is null or p_archive_older_than not between interval '0' and interval '100 years'
        or p_dlq_older_than is null or p_dlq_older_than not between interval '0' and interval '100 years' then
        raise exception 'conveyor: prune_pgmq needs retention ages of 0 to 100 years, got % and %',
            coalesce(p_archive_older_than::text, 'NULL'), coalesce(p_dlq_older_than::text, 'NULL')
            using errcode = '22023';
    end if;
    if p_batch_size is null or p_batch_size < 1 or p_max_batches is null or p_max_batches < 1 then
        raise exception 'conveyor: prune_pgmq needs a batch size and a number of batches of at least 1'
            using errcode = '22023';
    end if;
    if not exists (select 1 from pg_catalog.pg_namespace as n where n.nspname = 'pgmq')
        or pg_catalog.to_regclass('pgmq.meta') is null then
        return pg_catalog.jsonb_build_object('archive_pruned', 0, 'dlq_pruned', 0, 'note', 'pgmq is not installed');
    end if;
    if not pg_catalog.has_schema_privilege('pgmq', 'usage') then
        return pg_catalog.jsonb_build_object('archive_pruned', 0, 'dlq_pruned', 0, 'note', 'no usage privilege on schema pgmq');
    end if;
    for v_queue in select m.queue_name::text from pgmq.meta as m order by m.queue_name loop
        if pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', 'a_' || v_queue)) is not null then
            for i in 1 .. p_max_batches loop
                execute pg_catalog.format(
                    'delete from pgmq.%1$I as a where a.msg_id = any(array('
                    'select x.msg_id from pgmq.%1$I as x where x.archived_at < $1 order by x.archived_at limit $2))',
                    'a_' || v_queue
                ) using pg_catalog.now() - p_archive_older_than, p_batch_size;
                get diagnostics v_count = row_count;
                v_archive := v_archive + v_count;
                exit when v_count < p_batch_size;
            end loop;
        end if;
        if v_queue like '%\_dlq' then
            for i in 1 .. p_max_batches loop
                execute pg_catalog.format(
                    'delete from pgmq.%1$I as q where q.msg_id = any(array('
                    'select x.msg_id from pgmq.%1$I as x where x.enqueued_at < $1 order by x.msg_id limit $2))',
                    'q_' || v_queue
                ) using pg_catalog.now() - p_dlq_older_than, p_batch_size;
                get diagnostics v_count = row_count;
                v_dlq := v_dlq + v_count;
                exit when v_count < p_batch_size;
            end loop;
        end if;
    end loop;
    return pg_catalog.jsonb_build_object('archive_pruned', v_archive, 'dlq_pruned', v_dlq);
end;
$$;
