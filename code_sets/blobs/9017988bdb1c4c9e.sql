-- conveyor._pgmq_bury
-- Moves messages from a pgmq queue to its <queue>_dlq in one statement; returns how many moved.
--
-- With p_msg_ids, only those messages and only if each still has the read count
-- given in p_read_cts (the reader's fencing token). Without, every visible message
-- already read p_max_reads times: its last reader never acknowledged it (crashed,
-- or ran past its visibility timeout). The delete and the send are one statement,
-- so a message is never in both queues nor in neither. The dead-letter message
-- keeps job_id, job_type and payload at the top level, plus a 'dead' object.
-- In fallback mode (Postgres primary with INNGEST_FALLBACK, not dual run) each buried
-- message is also written to the Inngest outbox in the same statement, as a job the
-- jobs table gives up on is (conveyor._dead_letter_fallback).
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
security invoker
set search_path = ''
as $$
declare
    v_count integer;
    v_fallback boolean;
begin
    perform conveyor._pgmq_require(p_queue);
    select exists (
        select 1 from conveyor.execution_settings as s
        where s.id and s.inngest_fallback and not s.dual_run and s.primary_executor = 'postgres'
    ) into v_fallback;
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
        left join lateral (
            select conveyor._outbox_add(
                (m.message ->> 'job_id')::bigint, m.message ->> 'job_type',
                coalesce(m.message -> 'payload', '{}'::jsonb), 'fallback'
            ) as outbox_id
            where $5 and m.message ? 'job_id' and m.message ? 'job_type'
        ) as f on true
        $sql$,
        'q_' || p_queue, p_queue || '_dlq', p_queue
    )
    into v_count
    using p_msg_ids, p_read_cts, p_error, p_max_reads, v_fallback;
    return v_count;
end;
$$;
