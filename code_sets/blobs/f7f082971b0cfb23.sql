-- conveyor.requeue_dead (by type)
-- Requeues every dead job of a type (at most p_limit, oldest first); returns how many.
--
-- Jobs whose dedup key a live job holds stay dead and are not counted. The type must
-- exist: dead letters of a deleted type cannot be requeued until it is registered again.
create or replace function conveyor.requeue_dead(p_job_type text, p_limit integer default null)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_ids bigint[];
begin
    perform conveyor._validate_name(p_job_type);
    if p_limit is not null and p_limit < 1 then
        raise exception 'conveyor: requeue limit must be at least 1, got %', p_limit using errcode = '22023';
    end if;
    if not exists (select 1 from conveyor.job_types as t where t.name = p_job_type) then
        raise exception 'conveyor: unknown job type %', pg_catalog.quote_literal(p_job_type)
            using errcode = '22023',
                  hint = 'Register it (again) first: select conveyor.register_job_type(' || pg_catalog.quote_literal(p_job_type) || ');';
    end if;
    select pg_catalog.array_agg(x.id) into v_ids
    from (
        select d.id from conveyor.dead_letters as d
        where d.job_type = p_job_type
        order by d.died_at, d.id
        limit p_limit
    ) as x;
    return conveyor._requeue_dead(v_ids);
end;
$$;
