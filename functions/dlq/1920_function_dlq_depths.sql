-- conveyor.dlq_depths
-- Dead letters per source: 'jobs' and every pgmq <queue>_dlq, with how many, how many since p_since, and the oldest and newest.
--
-- For health and monitoring: dead messages are dead, not waiting work, so they are
-- counted here and not as queue depth. Every source is listed, empty ones too.
create or replace function conveyor.dlq_depths(p_since timestamptz default null)
returns table (queue text, dead bigint, dead_since bigint, oldest_at timestamptz, newest_at timestamptz)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_sources text[] := array['jobs'];
begin
    if conveyor._pgmq_available() then
        v_sources := v_sources || array(
            select m.queue_name::text from pgmq.meta as m where m.queue_name like '%\_dlq' order by m.queue_name
        );
    end if;
    return query
    with sources as (
        select u.queue from pg_catalog.unnest(v_sources) as u (queue)
    )
    select s.queue, pg_catalog.count(r.id), pg_catalog.count(r.id) filter (where r.died_at >= p_since),
           pg_catalog.min(r.died_at), pg_catalog.max(r.died_at)
    from sources as s
    left join conveyor._dead_letter_rows() as r on r.queue = s.queue
    group by s.queue
    order by s.queue <> 'jobs', s.queue;
end;
$$;
