-- conveyor.release_jobs
-- Hands still-owned jobs back unrun (a worker shutting down): claimable at once, the attempt not counted.
create or replace function conveyor.release_jobs(p_job_ids bigint[], p_lease_tokens uuid[])
returns setof bigint
language plpgsql
volatile
set search_path = ''
as $$
begin
    if pg_catalog.cardinality(p_job_ids) is distinct from pg_catalog.cardinality(p_lease_tokens) then
        raise exception 'conveyor: release_jobs needs as many lease tokens as job ids' using errcode = '22023';
    end if;
    return query
    with owned as (
        select j.id
        from conveyor.jobs as j
        join unnest(p_job_ids, p_lease_tokens) as u (id, token)
          on j.id = u.id and j.lease_token = u.token
        where j.state = 'running'
        order by j.id
        for update of j
    )
    update conveyor.jobs as j
    set state = 'queued',
        attempts = j.attempts - 1,
        run_at = pg_catalog.now(),
        lease_token = null,
        locked_by = null,
        locked_until = null
    from owned as o
    where j.id = o.id
    returning j.id;
    if found then
        -- Any worker may take them: '*' wakes every listener whatever its types.
        perform conveyor._notify('*');
    end if;
end;
$$;
