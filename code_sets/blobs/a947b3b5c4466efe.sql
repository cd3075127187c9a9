-- conveyor._pgmq_bury
-- Moves messages from a pgmq queue to its <queue>_dlq in one statement; returns how many moved.
--
-- With p_msg_ids, only those messages and only if each still has the read count
-- given in p_read_cts (the reader's fencing token). Without, every visible message
-- already read p_max_reads times: its last reader never acknowledged it (crashed,
-- or ran past its visibility timeout). The delete and the send are one statement,
-- so a message is never in both queues nor in neither. The dead-letter message
-- keeps job_id, job_type and payload at the top level, plus a 'dead' object.
create or replace function conveyor._pgmq_bury(
    p_queue text,
    p_msg_ids bigint[],
    p_read_cts integer[],
    p_error text,
    p_max_reads integer default 3
)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    perform conveyor._pgmq_require(p_queue);
    execute pg_catalog.format(
        $sql$
        with moved as (
            delete from pgmq.%I as q
            where case
                when $1 is null then q.read_ct >= $4 and q.vt <= pg_catalog.clock_timestamp()
                else (q.msg_id, q.read_ct) in (select f.id, f.rc from unnest($1, $2) as f (id, rc))
            end
            returning q.msg_id, q.read_ct, q.enqueued_at, q.message
        )
        select count(*)::integer
        from moved as m
        cross join lateral pgmq.send(
            %L,
            coalesce(m.message, '{}'::jsonb) || pg_catalog.jsonb_build_object('dead', pg_catalog.jsonb_build_object(
                'queue', %L, 'msg_id', m.msg_id, 'read_ct', m.read_ct, 'enqueued_at', m.enqueued_at,
                'reason', $3, 'died_at', pg_catalog.now()
            ))
        ) as s
        $sql$,
        'q_' || p_queue, p_queue || '_dlq', p_queue
    )
    into v_count
    using p_msg_ids, p_read_cts, p_error, p_max_reads;
    return v_count;
end;
$$;
