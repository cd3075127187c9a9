-- conveyor.pgmq_depth_events
-- Per pgmq queue (DLQs aside), +1 when a message arrived and -1 when it left (archived or buried), for messages there in the range.
--
-- pgmq keeps no depth history; this rebuilds it from what the queue, its archive
-- and its DLQ still hold, so the dashboard can plot depth over time: a running sum
-- of d per queue ordered by t is the depth at t. Events before p_from are included
-- for messages still waiting at p_from, so the sum starts right. Messages pruned
-- from the archive (pgmq_archive_retention) or purged from the DLQ are gone from
-- the picture; a DLQ message's original arrival is read from its 'dead' object only
-- when it is a well-formed timestamp. Empty without pgmq.
create or replace function conveyor.pgmq_depth_events(p_from timestamptz, p_to timestamptz)
returns table (queue text, t timestamptz, d integer)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_queue text;
begin
    if p_from is null or p_to is null or p_from > p_to then
        raise exception 'conveyor: pgmq_depth_events needs a time range with from <= to' using errcode = '22023';
    end if;
    if not conveyor._pgmq_available() then
        return;
    end if;
    for v_queue in
        select m.queue_name::text from pgmq.meta as m where m.queue_name not like '%\_dlq' order by m.queue_name
    loop
        return query execute pg_catalog.format(
            $sql$
            select %1$L::text, q.enqueued_at, 1 from pgmq.%2$I as q where q.enqueued_at <= $2
            union all
            select %1$L, a.enqueued_at, 1 from pgmq.%3$I as a where a.archived_at >= $1 and a.enqueued_at <= $2
            union all
            select %1$L, a.archived_at, -1 from pgmq.%3$I as a where a.archived_at >= $1 and a.archived_at <= $2
            $sql$,
            v_queue, 'q_' || v_queue, 'a_' || v_queue
        ) using p_from, p_to;
        if pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', 'q_' || v_queue || '_dlq')) is not null then
            return query execute pg_catalog.format(
                $sql$
                with x as (
                    select
                        q.enqueued_at as died,
                        case when q.message -> 'dead' ->> 'enqueued_at'
                            ~ '^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d(\.\d+)?([+-]\d\d:\d\d|Z)?$'
                            then (q.message -> 'dead' ->> 'enqueued_at')::timestamptz end as arrived
                    from pgmq.%2$I as q
                    where q.message -> 'dead' ->> 'queue' = %1$L
                )
                select %1$L::text, x.arrived, 1 from x where x.died >= $1 and x.arrived <= $2
                union all
                select %1$L, x.died, -1 from x where x.died >= $1 and x.died <= $2 and x.arrived is not null
                $sql$,
                v_queue, 'q_' || v_queue || '_dlq'
            ) using p_from, p_to;
        end if;
    end loop;
end;
$$;
