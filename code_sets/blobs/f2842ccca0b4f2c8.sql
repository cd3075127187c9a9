-- conveyor.requeue_dead
-- Puts dead-lettered jobs back in the queue with fresh attempts: one by id, or every one of a type.
--
-- The dead-letter row is deleted and the job inserted under its old id in one
-- statement. The error history is kept on the job. A dead job whose dedup key is
-- held by a live job stays dead (it is reported, never dropped).
create or replace function conveyor.requeue_dead(p_job_id bigint)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    v_count := conveyor._requeue_dead(array[p_job_id]);
    if v_count = 0 then
        if exists (select 1 from conveyor.dead_letters as d where d.id = p_job_id) then
            raise exception 'conveyor: dead job % cannot be requeued: a live job holds its dedup key', p_job_id
                using errcode = '23505';
        end if;
        raise exception 'conveyor: job % is not in the dead-letter table', p_job_id using errcode = 'P0002';
    end if;
    return p_job_id;
end;
$$;

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
