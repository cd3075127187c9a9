-- conveyor.pgmq_ack
-- Archives messages that ran successfully, fenced by read count; returns the ids archived.
--
-- A message whose read_ct has moved on was read again by another consumer after
-- this one's visibility timeout ran out: it is not archived (its id is simply not
-- returned). Like pgmq.archive, but fenced, in one statement. Only the columns
-- every pgmq version has are copied (headers and last_read_at are recent).
create or replace function conveyor.pgmq_ack(p_queue text, p_msg_ids bigint[], p_read_cts integer[])
returns setof bigint
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform conveyor._pgmq_require(p_queue);
    if pg_catalog.cardinality(p_msg_ids) is distinct from pg_catalog.cardinality(p_read_cts) then
        raise exception 'conveyor: % message ids but % read counts',
            pg_catalog.cardinality(p_msg_ids), pg_catalog.cardinality(p_read_cts)
            using errcode = '22023';
    end if;
    return query execute pg_catalog.format(
        $sql$
        with archived as (
            delete from pgmq.%I as q
            where (q.msg_id, q.read_ct) in (select f.id, f.rc from unnest($1, $2) as f (id, rc))
            returning q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message
        )
        insert into pgmq.%I (msg_id, read_ct, enqueued_at, vt, message)
        select a.msg_id, a.read_ct, a.enqueued_at, a.vt, a.message from archived as a
        returning msg_id
        $sql$,
        'q_' || p_queue, 'a_' || p_queue
    )
    using p_msg_ids, p_read_cts;
end;
$$;
