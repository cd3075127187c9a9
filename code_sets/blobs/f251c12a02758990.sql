-- conveyor._requeue_dead
-- The one implementation behind both requeue_dead forms: moves the given dead jobs back.
create or replace function conveyor._requeue_dead(p_job_ids bigint[])
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
    v_types text[];
begin
    if p_job_ids is null then
        return 0;
    end if;
    with moved as (
        delete from conveyor.dead_letters as d
        where d.id = any(p_job_ids)
          and (d.dedup_key is null or not exists (
              select 1 from conveyor.jobs as j
              where j.job_type = d.job_type and j.dedup_key = d.dedup_key
          ))
        returning d.*
    ), back as (
        insert into conveyor.jobs (
            id, job_type, payload, priority, run_at, attempts, max_attempts, dedup_key, errors, created_at
        )
        select m.id, m.job_type, m.payload, m.priority, pg_catalog.now(), 0, m.max_attempts,
               m.dedup_key, m.errors, m.created_at
        from moved as m
        returning conveyor.jobs.job_type
    )
    select pg_catalog.count(*), pg_catalog.array_agg(distinct b.job_type) into v_count, v_types from back as b;
    if v_count > 0 then
        perform conveyor._notify(t) from pg_catalog.unnest(v_types) as t;
    end if;
    return v_count;
end;
$$;
