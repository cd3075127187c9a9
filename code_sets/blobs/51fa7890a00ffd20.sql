-- conveyor._dlq_select
-- The dead letters a requeue or purge acts on: one (id and source), or by source, type or fingerprint; oldest first, at most p_limit.
--
-- At least one selector is required, so no call acts on every dead letter by
-- accident; an id without a source means the jobs table. Raises 22023 on bad input.
create or replace function conveyor._dlq_select(
    p_queue text,
    p_id bigint,
    p_job_type text,
    p_fingerprint text,
    p_limit integer
)
returns table (queue text, id bigint, job_type text)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_queue text := conveyor._dlq_name(p_queue);
begin
    if p_limit is null or p_limit not between 1 and 10000 then
        raise exception 'conveyor: limit % is out of range (1 to 10000 dead letters per call)', coalesce(p_limit::text, 'NULL')
            using errcode = '22023';
    end if;
    if p_queue is null and p_id is null and p_job_type is null and p_fingerprint is null then
        raise exception 'conveyor: say which dead letters: an id, a queue, a job type or a fingerprint'
            using errcode = '22023';
    end if;
    if p_job_type is not null then
        perform conveyor._validate_name(p_job_type);
    end if;
    if p_fingerprint is not null and pg_catalog.btrim(p_fingerprint) = '' then
        raise exception 'conveyor: an empty fingerprint matches nothing' using errcode = '22023';
    end if;
    if p_id is not null then
        v_queue := coalesce(v_queue, 'jobs');
    end if;
    return query
    select r.queue, r.id, r.job_type
    from conveyor._dead_letter_rows(v_queue) as r
    where (p_id is null or r.id = p_id)
        and (p_job_type is null or r.job_type = p_job_type)
        and (p_fingerprint is null or r.fingerprint = p_fingerprint
            or pg_catalog.left(pg_catalog.md5(r.fingerprint), 10) = p_fingerprint)
    order by r.died_at, r.id
    limit p_limit;
end;
$$;
