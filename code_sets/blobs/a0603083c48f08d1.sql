-- conveyor._requeue_dead
-- The one implementation behind both requeue_dead forms: moves the given dead jobs back; returns how many.
--
-- Three statements in the caller's transaction, so no other session ever sees a job
-- in both tables or in neither: lock the dead rows (and their types' rows, for key
-- share, as enqueue does), insert the jobs, delete the dead rows that went back.
-- A dead job whose type was deleted stays dead (it could never be claimed). A dead
-- job whose dedup key a live job holds stays dead, even when that job is another
-- session's uncommitted enqueue: on conflict do nothing waits for it and skips, where
-- a plain insert would abort the whole call with 23505. Several dead jobs of the
-- same key (each died before the next was enqueued): only the one that died last
-- goes back, the rest stay dead.
create or replace function conveyor._requeue_dead(p_job_ids bigint[])
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_locked bigint[];
    v_back bigint[];
    v_types text[];
begin
    if p_job_ids is null then
        return 0;
    end if;
    -- Row locks in id order: two requeues of overlapping sets wait, never deadlock;
    -- the second finds the rows the first moved gone.
    select pg_catalog.array_agg(x.id order by x.id) into v_locked
    from (
        select d.id
        from conveyor.dead_letters as d
        join conveyor.job_types as t on t.name = d.job_type
        where d.id = any(p_job_ids)
        order by d.id
        for update of d
        for key share of t
    ) as x;
    if v_locked is null then
        return 0;
    end if;

    with back as (
        insert into conveyor.jobs (
            id, job_type, payload, priority, run_at, attempts, max_attempts, dedup_key, errors, created_at
        )
        select d.id, d.job_type, d.payload, d.priority, pg_catalog.now(), 0, d.max_attempts,
               d.dedup_key, d.errors, d.created_at
        from conveyor.dead_letters as d
        where d.id = any(v_locked)
          and not exists (
              select 1 from conveyor.dead_letters as o
              where o.id = any(v_locked)
                and o.job_type = d.job_type and o.dedup_key = d.dedup_key
                and (o.died_at, o.id) > (d.died_at, d.id)
          )
        order by d.id
        on conflict do nothing
        returning conveyor.jobs.id, conveyor.jobs.job_type
    )
    select pg_catalog.array_agg(b.id), pg_catalog.array_agg(distinct b.job_type) into v_back, v_types from back as b;
    if v_back is null then
        return 0;
    end if;
    delete from conveyor.dead_letters as d where d.id = any(v_back);
    perform conveyor._notify(t) from pg_catalog.unnest(v_types) as t;
    return pg_catalog.cardinality(v_back);
end;
$$;
