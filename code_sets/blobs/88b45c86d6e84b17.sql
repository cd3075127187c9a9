-- conveyor.pgmq_fail
-- Records a failed run of a pgmq message: 'retry' (visible again after a backoff), 'dead' (3rd read: to the DLQ) or 'stale'.
--
-- Fenced by read count like pgmq_ack: 'stale' means another consumer has read the
-- message since, and nothing was changed. The error is appended to the message's
-- 'errors' array, so the dead-letter message carries every attempt's error.
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
security invoker
set search_path = ''
as $$
declare
    v_count integer;
    v_error jsonb := pg_catalog.jsonb_build_object(
        'read_ct', p_read_ct, 'error', pg_catalog.left(p_error, 4000), 'failed_at', pg_catalog.now()
    );
begin
    perform conveyor._pgmq_require(p_queue);
    execute pg_catalog.format(
        $sql$
        update pgmq.%I as q
        set message = pg_catalog.jsonb_set(
                coalesce(q.message, '{}'::jsonb), '{errors}',
                coalesce(q.message -> 'errors', '[]'::jsonb) || pg_catalog.jsonb_build_array($3)
            ),
            vt = pg_catalog.clock_timestamp() + $4
        where q.msg_id = $1 and q.read_ct = $2
        $sql$,
        'q_' || p_queue
    )
    using p_msg_id, p_read_ct, v_error,
          coalesce(p_retry_delay, conveyor.backoff_delay(greatest(p_read_ct, 1), interval '2 seconds', interval '30 seconds'));
    get diagnostics v_count = row_count;
    if v_count = 0 then
        return 'stale';
    end if;
    if p_read_ct >= p_max_reads then
        perform conveyor._pgmq_bury(
            p_queue, array[p_msg_id], array[p_read_ct], 'read ' || p_read_ct || ' times without success', p_max_reads
        );
        return 'dead';
    end if;
    return 'retry';
end;
$$;
