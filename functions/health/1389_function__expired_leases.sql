-- conveyor._expired_leases
-- Running jobs whose lease ran out more than p_grace ago: how many, and how long ago the oldest one's did.
--
-- For conveyor doctor. Every claim rescues expired leases (rescue_expired), so jobs
-- still here past a grace period mean nothing is claiming or rescuing. Read through
-- jobs_locked_until_idx (running jobs only). Seconds, not an interval, for the worst
-- age: it is what a caller prints and compares.
create or replace function conveyor._expired_leases(
    p_grace interval default interval '0',
    out expired bigint,
    out worst_seconds double precision
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    if p_grace is null or p_grace < interval '0' then
        raise exception 'conveyor: grace % must be zero or more', p_grace using errcode = '22023';
    end if;
    select pg_catalog.count(*), extract(epoch from pg_catalog.max(pg_catalog.now() - j.locked_until))::double precision
    into expired, worst_seconds
    from conveyor.jobs as j
    where j.state = 'running' and j.locked_until < pg_catalog.now() - p_grace;
end;
$$;
