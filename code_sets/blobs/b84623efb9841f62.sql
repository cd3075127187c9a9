-- conveyor._history_partitions
-- Lists the partitions of conveyor.job_history with the finished_at range each holds (the default: null bounds).
--
-- Read from the catalog (pg_get_expr of each partition bound), so it is always the
-- truth, whoever created the partitions. MINVALUE reads as -infinity.
create or replace function conveyor._history_partitions()
returns table (partition_name text, lower_bound timestamptz, upper_bound timestamptz, is_default boolean)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    return query
    select c.relname::text,
           case when b.m[1] = 'MINVALUE' then '-infinity'::timestamptz
                else pg_catalog.btrim(b.m[1], '''')::timestamptz end,
           case when b.m[2] = 'MAXVALUE' then 'infinity'::timestamptz
                else pg_catalog.btrim(b.m[2], '''')::timestamptz end,
           b.m is null
    from pg_catalog.pg_inherits as i
    join pg_catalog.pg_class as c on c.oid = i.inhrelid
    cross join lateral (
        select pg_catalog.regexp_match(
            pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'FROM \((.*)\) TO \((.*)\)'
        ) as m
    ) as b
    where i.inhparent = 'conveyor.job_history'::regclass
    order by 2 nulls last, 1;
end;
$$;
