-- conveyor.rescue_expired
-- Makes jobs whose lease expired claimable again, or buries them when that was their last attempt.
--
-- An expired lease counts as a failed attempt (the attempt was taken at claim), so a
-- job that keeps killing its worker ends in the dead-letter table, not in a loop.
-- The retry waits the type's backoff. Rows another session holds are skipped, so
-- concurrent rescuers (every claim_batch, the housekeeping cron) never block each other.
create or replace function conveyor.rescue_expired(p_limit integer default 1000)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_requeued integer;
    v_dead bigint[];
begin
    with expired as (
        select j.id
        from conveyor.jobs as j
        where j.state = 'running' and j.locked_until < pg_catalog.now()
        order by j.locked_until
        limit p_limit
        for update skip locked
    ), marked as (
        update conveyor.jobs as j
        set state = 'queued',
            run_at = case when j.attempts >= j.max_attempts then pg_catalog.now()
                          else pg_catalog.now() + conveyor.backoff_delay(j.attempts, t.backoff_base, t.backoff_cap) end,
            lease_token = null,
            locked_by = null,
            locked_until = null,
            errors = j.errors || pg_catalog.jsonb_build_object(
                'attempt', j.attempts,
                'error', 'lease expired: worker ' || coalesce(j.locked_by, '?') || ' did not report within its lease',
                'worker', j.locked_by,
                'started_at', j.started_at,
                'failed_at', pg_catalog.now()
            )
        from expired as e, conveyor.job_types as t
        where j.id = e.id and t.name = j.job_type
        returning j.id, j.attempts >= j.max_attempts as exhausted
    )
    select pg_catalog.count(*) filter (where not m.exhausted),
           pg_catalog.array_agg(m.id) filter (where m.exhausted)
      into v_requeued, v_dead
    from marked as m;

    if v_dead is not null then
        perform conveyor._bury(v_dead, 'lease expired on the last attempt');
    end if;
    return v_requeued + coalesce(pg_catalog.cardinality(v_dead), 0);
end;
$$;
