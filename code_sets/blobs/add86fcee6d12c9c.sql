-- conveyor.pgmq_fail
-- Records a failed run of a pgmq message: 'retry' (visible again after a backoff), 'dead' (its last read: to the DLQ) or 'stale'.
--
-- Fenced by read count like pgmq_ack: 'stale' means another consumer has read the
-- message since, and nothing was changed. The error is appended to the message's
-- 'errors' array, so the dead-letter message carries every attempt's error.
-- A retry delay is at most 7 days: a message hidden longer is better dead-lettered
-- and requeued by an operator.
create or replace function conveyor.pgmq_fail(
    p_queue text,
    p_msg_id bigint,
    p_read_ct integer,
    p_error text,
    p_retry_delay interval default null,
    p_max_reads integer default 3
)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
    v_error jsonb := pg_catalog.jsonb_build_object(
        'read_ct', p_read_ct, 'error', pg_catalog.left(coalesce(p_error, 'unknown error'), 4000),
        'failed_at', pg_catalog.now()
    );
begin
    perform conveyor._pgmq_require(p_queue);
    if p_msg_id is null or p_read_ct is null or p_read_ct < 1 then
        raise exception 'conveyor: pgmq_fail needs a message id and the read count its read returned (1 or more)'
            using errcode = '22023';
    end if;
    if p_retry_delay is not null and (
        not pg_catalog.isfinite(p_retry_delay)
        or p_retry_delay < interval '0' or p_retry_delay > interval '7 days'
    ) then
        raise exception 'conveyor: retry delay % is out of range (0 to 7 days)', p_retry_delay
            using errcode = '22023';
    end if;
    if p_max_reads is null or p_max_reads not between 1 and 1000 then
        raise exception 'conveyor: max reads % is out of range (1 to 1000)', coalesce(p_max_reads::text, 'NULL')
            using errcode = '22023';
    end if;
    execute pg_catalog.format(
        $sql$
        update pgmq.%I as q
        set message = case when pg_catalog.jsonb_typeof(q.message) = 'object' then pg_catalog.jsonb_set(
                q.message, '{errors}',
                case when pg_catalog.jsonb_typeof(q.message -> 'errors') = 'array'
                     then q.message -> 'errors' else '[]'::jsonb end || pg_catalog.jsonb_build_array($3)
            ) else q.message end,
            vt = pg_catalog.clock_timestamp() + $4
        where q.msg_id = $1 and q.read_ct = $2
        $sql$,
        'q_' || p_queue
    )
    using p_msg_id, p_read_ct, v_error,
          coalesce(p_retry_delay, conveyor.backoff_delay(p_read_ct, interval '2 seconds', interval '30 seconds'));
    get diagnostics v_count = row_count;
    if v_count = 0 then
        return 'stale';
    end if;
    if p_read_ct >= p_max_reads then
        perform conveyor._pgmq_bury(
            p_queue, array[p_msg_id], array[p_read_ct], 'read ' || p_read_ct || ' times without success'
        );
        return 'dead';
    end if;
    return 'retry';
end;
$$;
