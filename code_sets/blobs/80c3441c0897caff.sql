-- conveyor.claim_batch
-- Leases up to p_batch_size due jobs to p_worker: highest priority first, then oldest due.
--
-- for update skip locked lets any number of workers claim at once without waiting on
-- each other. Each claimed job gets a fresh lease token; complete_job, fail_job and
-- extend_lease accept only that token, so a worker whose lease expired is fenced off.
-- Expired leases are rescued first (a cheap index probe when there are none).
-- claimed_at is the database clock at claim: locked_until - claimed_at is the lease
-- length, so a runner can time its heartbeats without trusting its own clock.
-- PL/pgSQL rather than language sql: a sql function with a set clause is planned on
-- every call, while PL/pgSQL caches the plan (about 4x faster here).
create or replace function conveyor.claim_batch(
    p_worker text,
    p_batch_size integer default 25,
    p_job_types text[] default null,
    p_lease interval default null
)
returns table (
    id bigint,
    job_type text,
    payload jsonb,
    priority smallint,
    attempt integer,
    max_attempts integer,
    lease_token uuid,
    locked_until timestamptz,
    created_at timestamptz,
    run_at timestamptz,
    claimed_at timestamptz,
    timeout interval
)
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_worker is null or pg_catalog.length(p_worker) not between 1 and 200 then
        raise exception 'conveyor: claim_batch needs a worker name of 1 to 200 characters' using errcode = '22023';
    end if;
    if p_batch_size is null or p_batch_size not between 1 and 10000 then
        raise exception 'conveyor: batch size % is out of range (1 to 10000)', p_batch_size using errcode = '22023';
    end if;
    if p_lease is not null and p_lease not between interval '1 second' and interval '1 day' then
        raise exception 'conveyor: lease % is out of range (1 second to 1 day)', p_lease using errcode = '22023';
    end if;

    if exists (
        select 1 from conveyor.jobs as j
        where j.state = 'running' and j.locked_until < pg_catalog.now()
    ) then
        perform conveyor.rescue_expired(1000);
    end if;

    return query
    with c as (
        select j.id
        from conveyor.jobs as j
        where j.state = 'queued'
          and j.run_at <= pg_catalog.now()
          and (p_job_types is null or j.job_type = any(p_job_types))
        order by j.priority desc, j.run_at, j.id
        limit p_batch_size
        for update skip locked
    )
    , claimed as (
        update conveyor.jobs as j
        set state = 'running',
            attempts = j.attempts + 1,
            lease_token = pg_catalog.gen_random_uuid(),
            locked_by = p_worker,
            locked_until = pg_catalog.now() + coalesce(p_lease, t.lease),
            started_at = pg_catalog.now()
        from c, conveyor.job_types as t
        where j.id = c.id and t.name = j.job_type
        returning j.id, j.job_type, j.payload, j.priority, j.attempts, j.max_attempts,
                  j.lease_token, j.locked_until, j.created_at, j.run_at, j.started_at, t.timeout
    )
    select * from claimed
    order by claimed.priority desc, claimed.run_at, claimed.id;
end;
$$;
