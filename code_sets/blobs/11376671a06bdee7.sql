-- conveyor.complete_jobs
-- Completes the jobs whose lease tokens still match; returns the ids it completed.
--
-- Fenced: a pair whose token is stale (the lease expired and the job was reclaimed,
-- or it already finished) is left untouched and missing from the result. Completed
-- jobs leave the hot table; their types' history gets one compact row each.
-- Rows are locked in id order so that concurrent batch completes cannot deadlock.
create or replace function conveyor.complete_jobs(p_job_ids bigint[], p_lease_tokens uuid[])
returns setof bigint
language plpgsql
volatile
set search_path = ''
as $$
begin
    if pg_catalog.cardinality(p_job_ids) is distinct from pg_catalog.cardinality(p_lease_tokens) then
        raise exception 'conveyor: complete_jobs needs as many lease tokens as job ids' using errcode = '22023';
    end if;
    -- The pairs are sorted by id, and the delete walks them in that order (a nested
    -- loop over the primary key), so row locks are always taken in id order.
    return query
    with done as (
        delete from conveyor.jobs as j
        using (
            select u.id, u.token from unnest(p_job_ids, p_lease_tokens) as u (id, token) order by u.id
        ) as o
        where j.id = o.id and j.lease_token = o.token and j.state = 'running'
        returning j.id, j.job_type, j.priority, j.attempts, j.created_at, j.started_at, j.locked_by
    ), kept as (
        insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, worker)
        select d.id, d.job_type, d.priority, d.attempts, d.created_at, d.started_at, d.locked_by
        from done as d
        join conveyor.job_types as t on t.name = d.job_type
        where t.keep_history
    )
    select done.id from done;
end;
$$;
