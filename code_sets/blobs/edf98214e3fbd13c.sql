-- conveyor.extend_leases
-- Heartbeat for many jobs: pushes each still-owned lease to now() + p_lease; returns the ids still owned.
--
-- A job missing from the result was lost (its lease expired and it was rescued):
-- the runner should stop caring about it, since its outcome would be refused.
create or replace function conveyor.extend_leases(
    p_job_ids bigint[],
    p_lease_tokens uuid[],
    p_lease interval default null
)
returns setof bigint
language plpgsql
volatile
set search_path = ''
as $$
begin
    if pg_catalog.cardinality(p_job_ids) is distinct from pg_catalog.cardinality(p_lease_tokens) then
        raise exception 'conveyor: extend_leases needs as many lease tokens as job ids' using errcode = '22023';
    end if;
    if p_lease is not null and p_lease not between interval '1 second' and interval '1 day' then
        raise exception 'conveyor: lease % is out of range (1 second to 1 day)', p_lease using errcode = '22023';
    end if;
    return query
    with owned as (
        select j.id
        from conveyor.jobs as j
        join unnest(p_job_ids, p_lease_tokens) as u (id, token)
          on j.id = u.id and j.lease_token = u.token
        where j.state = 'running'
          -- A lease that already ran out cannot be revived: the job may be rescued
          -- at any moment, and two owners must never both believe they hold it.
          and j.locked_until >= pg_catalog.now()
        order by j.id
        for update of j
    )
    update conveyor.jobs as j
    set locked_until = pg_catalog.now() + coalesce(p_lease, t.lease)
    from owned as o, conveyor.job_types as t
    where j.id = o.id and t.name = j.job_type
    returning j.id;
end;
$$;
