-- conveyor.requeue_dead (by type)
-- Requeues every dead job of a type (at most p_limit, oldest first); returns how many.
create or replace function conveyor.requeue_dead(p_job_type text, p_limit integer default null)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_ids bigint[];
begin
    perform conveyor._validate_name(p_job_type);
    select pg_catalog.array_agg(x.id) into v_ids
    from (
        select d.id from conveyor.dead_letters as d
        where d.job_type = p_job_type
        order by d.died_at, d.id
        limit p_limit
    ) as x;
    return coalesce(conveyor._requeue_dead(v_ids), 0);
end;
$$;
