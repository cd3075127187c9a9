-- conveyor.dlq_list
-- Dead letters one by one, newest first, filtered by source, job type or fingerprint (text or id); at most p_limit.
create or replace function conveyor.dlq_list(
    p_queue text default null,
    p_job_type text default null,
    p_fingerprint text default null,
    p_limit integer default 100
)
returns table (
    queue text,
    id bigint,
    job_id bigint,
    job_type text,
    reason text,
    error text,
    fingerprint_id text,
    died_at timestamptz,
    attempts integer
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_queue text := conveyor._dlq_name(p_queue);
begin
    if p_job_type is not null then
        perform conveyor._validate_name(p_job_type);
    end if;
    if p_limit is null or p_limit not between 1 and 10000 then
        raise exception 'conveyor: list limit % is out of range (1 to 10000)', coalesce(p_limit::text, 'NULL')
            using errcode = '22023';
    end if;
    return query
    select r.queue, r.id, r.job_id, r.job_type, r.reason, r.error, pg_catalog.left(pg_catalog.md5(r.fingerprint), 10),
           r.died_at, r.attempts
    from conveyor._dead_letter_rows(v_queue) as r
    where (p_job_type is null or r.job_type = p_job_type)
        and (p_fingerprint is null or r.fingerprint = p_fingerprint
            or pg_catalog.left(pg_catalog.md5(r.fingerprint), 10) = p_fingerprint)
    order by r.died_at desc, r.id desc
    limit p_limit;
end;
$$;
