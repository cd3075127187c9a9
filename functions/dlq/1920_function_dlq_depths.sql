-- conveyor.dlq_depths
-- Dead letters per source: 'jobs' and every pgmq <queue>_dlq, with how many, how many since p_since, and the oldest and newest.
--
-- For health and monitoring: dead messages are dead, not waiting work, so they are
-- counted here and not as queue depth. Every source is listed, empty ones too.
-- Counted straight from each source, with the died_at that conveyor._dead_letter_rows
-- gives (a DLQ message's enqueued_at), not through it: its rows carry an error
-- fingerprint (six regular expressions each) that a count never reads, which made
-- this function (a dashboard panel) take seconds once dead letters number 100 000.
create or replace function conveyor.dlq_depths(p_since timestamptz default null)
returns table (queue text, dead bigint, dead_since bigint, oldest_at timestamptz, newest_at timestamptz)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_dlq text;
begin
    return query
    select 'jobs'::text, pg_catalog.count(*), pg_catalog.count(*) filter (where d.died_at >= p_since),
           pg_catalog.min(d.died_at), pg_catalog.max(d.died_at)
    from conveyor.dead_letters as d;
    if conveyor._pgmq_available() then
        for v_dlq in
            select m.queue_name::text from pgmq.meta as m where m.queue_name like '%\_dlq' order by m.queue_name::text
        loop
            return query execute pg_catalog.format(
                'select %L::text, pg_catalog.count(*), pg_catalog.count(*) filter (where q.enqueued_at >= $1), '
                'pg_catalog.min(q.enqueued_at), pg_catalog.max(q.enqueued_at) from pgmq.%I as q',
                v_dlq, 'q_' || v_dlq
            ) using p_since;
        end loop;
    end if;
end;
$$;
