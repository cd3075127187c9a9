-- conveyor.dlq_requeue
-- Puts dead letters back to work: one, or by queue, job type or fingerprint, at most p_limit per call; returns each with its result.
--
-- Jobs-table dead letters go back through conveyor._requeue_dead (fresh attempts,
-- errors kept; one whose dedup key a live job holds, or whose job type was deleted,
-- stays dead: 'kept' with the reason). A pgmq
-- dead letter goes back to the queue its DLQ belongs to as a new message, in one
-- statement with its delete from the DLQ, without the 'dead' object and with
-- 'deaths' (its death count), so a next death is numbered anew. result is
-- 'requeued' or 'kept: <why>'.
create or replace function conveyor.dlq_requeue(
    p_queue text default null,
    p_id bigint default null,
    p_job_type text default null,
    p_fingerprint text default null,
    p_limit integer default 100
)
returns table (queue text, id bigint, job_type text, result text)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_sel record;
    v_target text;
    v_moved bigint[];
begin
    for v_sel in
        select s.queue, pg_catalog.array_agg(s.id order by s.id) as ids,
               pg_catalog.array_agg(s.job_type order by s.id) as types
        from conveyor._dlq_select(p_queue, p_id, p_job_type, p_fingerprint, p_limit) as s
        group by s.queue
        order by s.queue
    loop
        if v_sel.queue = 'jobs' then
            perform conveyor._requeue_dead(v_sel.ids);
            return query
            select v_sel.queue, u.id, u.job_type,
                   case when not exists (select 1 from conveyor.dead_letters as d where d.id = u.id)
                            then 'requeued'
                        when not exists (select 1 from conveyor.job_types as t where t.name = u.job_type)
                            then 'kept: job type ' || u.job_type || ' is not registered (register it again first)'
                        else 'kept: a live job holds its dedup key' end
            from unnest(v_sel.ids, v_sel.types) as u (id, job_type);
            continue;
        end if;
        -- The queue a DLQ belongs to is its name without '_dlq' (never a name read from a message).
        v_target := pg_catalog.left(v_sel.queue, pg_catalog.length(v_sel.queue) - 4);
        if not exists (select 1 from pgmq.meta as m where m.queue_name = v_target) then
            return query
            select v_sel.queue, u.id, u.job_type, 'kept: queue ' || v_target || ' does not exist'
            from unnest(v_sel.ids, v_sel.types) as u (id, job_type);
            continue;
        end if;
        execute pg_catalog.format(
            $sql$
            with moved as (
                delete from pgmq.%I as d where d.msg_id = any($1)
                returning d.msg_id, d.message
            ), back as (
                insert into pgmq.%I (vt, message)
                select pg_catalog.clock_timestamp(),
                       case when m.message ? 'original' and not m.message ? 'job_type' then m.message -> 'original'
                            else (m.message - 'dead') || pg_catalog.jsonb_build_object(
                                'deaths', coalesce(conveyor._jsonb_bigint(m.message -> 'dead' -> 'death'), 1)
                            ) end
                from moved as m
            )
            select pg_catalog.array_agg(m.msg_id) from moved as m
            $sql$,
            'q_' || v_sel.queue, 'q_' || v_target
        ) into v_moved using v_sel.ids;
        return query
        select v_sel.queue, u.id, u.job_type,
               case when u.id = any(v_moved) then 'requeued' else 'kept: no longer in the dead-letter queue' end
        from unnest(v_sel.ids, v_sel.types) as u (id, job_type);
    end loop;
end;
$$;
