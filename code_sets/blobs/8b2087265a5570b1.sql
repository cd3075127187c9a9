-- conveyor.pgmq_ack
-- Archives messages that ran successfully, fenced by read count, and records them in job_history; returns the ids archived.
--
-- A message whose read_ct has moved on was read again by another consumer after
-- this one's visibility timeout ran out: it is not archived (its id is simply not
-- returned). Like pgmq.archive, but fenced, in one statement. Only the columns
-- every pgmq version has are copied (headers and last_read_at are recent).
-- Each archived message of a job type that keeps history gets a 'completed'
-- job_history row (queue = p_queue), in the same statement: its run time is from
-- last_read_at (pgmq 1.5 and later; pgmq_read stamps it) to now, else unknown (0).
create or replace function conveyor.pgmq_ack(p_queue text, p_msg_ids bigint[], p_read_cts integer[])
returns setof bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_started text := 'pg_catalog.now()';
begin
    perform conveyor._pgmq_require(p_queue);
    if pg_catalog.cardinality(p_msg_ids) is distinct from pg_catalog.cardinality(p_read_cts) then
        raise exception 'conveyor: % message ids but % read counts',
            pg_catalog.cardinality(p_msg_ids), pg_catalog.cardinality(p_read_cts)
            using errcode = '22023';
    end if;
    if exists (
        select 1 from pg_catalog.pg_attribute as a
        where a.attrelid = pg_catalog.format('pgmq.%I', 'q_' || p_queue)::regclass
            and a.attname = 'last_read_at' and not a.attisdropped
    ) then
        v_started := 'coalesce(q.last_read_at, pg_catalog.now())';
    end if;
    return query execute pg_catalog.format(
        $sql$
        with archived as (
            delete from pgmq.%1$I as q
            where (q.msg_id, q.read_ct) in (select f.id, f.rc from unnest($1, $2) as f (id, rc))
            returning q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message, %3$s as started_at
        ), kept as (
            insert into conveyor.job_history (
                id, job_type, priority, attempts, created_at, started_at, finished_at, worker, queue, outcome
            )
            select coalesce(conveyor._jsonb_bigint(a.message -> 'job_id'), a.msg_id), t.name, 0, a.read_ct,
                   a.enqueued_at, least(a.started_at, pg_catalog.now()), pg_catalog.now(), null, $3, 'completed'
            from archived as a
            join conveyor.job_types as t on t.name = a.message ->> 'job_type'
            where t.keep_history
            -- job_history's key is (id, finished_at): producers' messages sharing a
            -- job_id in one batch keep one record rather than fail the acknowledgement.
            on conflict do nothing
        )
        insert into pgmq.%2$I (msg_id, read_ct, enqueued_at, vt, message)
        select a.msg_id, a.read_ct, a.enqueued_at, a.vt, a.message from archived as a
        returning msg_id
        $sql$,
        'q_' || p_queue, 'a_' || p_queue, v_started
    )
    using p_msg_ids, p_read_cts, p_queue;
end;
$$;
