-- conveyor.pgmq_queue_depths
-- Every pgmq queue (dead-letter queues included) with its depth and the age of its oldest message; empty without pgmq.
create or replace function conveyor.pgmq_queue_depths()
returns table (queue_name text, depth bigint, oldest_age interval)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_queue text;
begin
    if not conveyor._pgmq_available() then
        return;
    end if;
    for v_queue in select m.queue_name::text from pgmq.meta as m order by m.queue_name loop
        return query execute pg_catalog.format(
            'select %L::text, count(*), pg_catalog.now() - min(q.enqueued_at) from pgmq.%I as q',
            v_queue, 'q_' || v_queue
        );
    end loop;
end;
$$;
