-- conveyor._pgmq_dead_since
-- How many messages the pgmq dead-letter queues (<queue>_dlq) received since p_since; 0 without pgmq.
--
-- A dead-letter message is sent to its _dlq when buried, so its enqueued_at is the
-- time it died. Queue names come from pgmq.meta and are quoted with %I.
create or replace function conveyor._pgmq_dead_since(p_since timestamptz)
returns bigint
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_queue text;
    v_count bigint;
    v_total bigint := 0;
begin
    if not conveyor._pgmq_available() then
        return 0;
    end if;
    for v_queue in
        select m.queue_name::text from pgmq.meta as m where m.queue_name like '%\_dlq' order by m.queue_name
    loop
        execute pg_catalog.format('select count(*) from pgmq.%I as q where q.enqueued_at > $1', 'q_' || v_queue)
            into v_count using p_since;
        v_total := v_total + v_count;
    end loop;
    return v_total;
end;
$$;
