-- conveyor._pgmq_bury
-- Moves the given messages from a pgmq queue to its <queue>_dlq in one statement, fenced by read count; returns how many moved.
--
-- Only a message that still has the read count given in p_read_cts (the reader's
-- fencing token) moves. The delete and the insert into the dead-letter queue are
-- one statement, so a message is never in both queues nor in neither. The
-- dead-letter message keeps job_id, job_type and payload at the top level, plus a
-- 'dead' object (conveyor._pgmq_dead_message); conveyor._pgmq_died then hands it
-- to Inngest in fallback mode. pgmq_read buries in its own read statement.
create or replace function conveyor._pgmq_bury(
    p_queue text,
    p_msg_ids bigint[],
    p_read_cts integer[],
    p_reason text
)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_dead record;
    v_count integer := 0;
begin
    perform conveyor._pgmq_require(p_queue);
    for v_dead in execute pg_catalog.format(
        $sql$
        with moved as (
            delete from pgmq.%I as q
            where (q.msg_id, q.read_ct) in (select f.id, f.rc from unnest($1, $2) as f (id, rc))
            returning q.msg_id, q.read_ct, q.enqueued_at, q.message
        )
        insert into pgmq.%I (vt, message)
        select pg_catalog.clock_timestamp(), conveyor._pgmq_dead_message(m.message, pg_catalog.jsonb_build_object(
            'queue', %L, 'msg_id', m.msg_id, 'read_ct', m.read_ct, 'enqueued_at', m.enqueued_at,
            'reason', $3, 'died_at', pg_catalog.now()
        ))
        from moved as m
        returning message, (message -> 'dead' ->> 'read_ct')::integer as read_ct
        $sql$,
        'q_' || p_queue, 'q_' || p_queue || '_dlq', p_queue
    )
    using p_msg_ids, p_read_cts, p_reason
    loop
        perform conveyor._pgmq_died(p_queue, v_dead.message, v_dead.read_ct, p_reason, true);
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;
