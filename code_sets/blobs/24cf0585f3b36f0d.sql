-- conveyor.run_time_buckets
-- Per job type, how many jobs completed within p_window ran at most each bound (cumulative), their count and total seconds.
--
-- Feeds the Prometheus run-time histogram of GET /metrics. Reads the window of
-- history through its BRIN index on finished_at.
create or replace function conveyor.run_time_buckets(
    p_window interval default interval '1 hour',
    p_bounds double precision[] default '{0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10,30,60}'
)
returns table (job_type text, counts bigint[], total bigint, sum_seconds double precision)
language plpgsql
stable
set search_path = ''
as $$
begin
    return query
    select g.job_type,
           array(
               select (select pg_catalog.count(*) from pg_catalog.unnest(g.seconds) as s where s <= b.le)
               from pg_catalog.unnest(p_bounds) with ordinality as b (le, ord)
               order by b.ord
           ),
           pg_catalog.cardinality(g.seconds)::bigint,
           g.sum_seconds
    from (
        select
            h.job_type,
            pg_catalog.array_agg(extract(epoch from h.finished_at - h.started_at)::double precision) as seconds,
            pg_catalog.sum(extract(epoch from h.finished_at - h.started_at))::double precision as sum_seconds
        from conveyor.job_history as h
        where h.finished_at > pg_catalog.now() - p_window
        group by h.job_type
    ) as g
    order by g.job_type;
end;
$$;
