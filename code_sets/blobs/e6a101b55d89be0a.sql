-- conveyor.dlq_triage
-- Dead letters grouped by source, job type and error fingerprint: how many, first and last seen, a sample; the biggest group first.
--
-- fingerprint_id (10 hex characters of the fingerprint's md5) names a group for
-- dlq_requeue and dlq_purge on a command line.
create or replace function conveyor.dlq_triage(p_queue text default null, p_job_type text default null)
returns table (
    queue text,
    job_type text,
    fingerprint_id text,
    fingerprint text,
    count bigint,
    first_seen timestamptz,
    last_seen timestamptz,
    sample_id bigint,
    sample_error text
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
    return query
    select r.queue, r.job_type, pg_catalog.left(pg_catalog.md5(r.fingerprint), 10), r.fingerprint,
           pg_catalog.count(*), pg_catalog.min(r.died_at), pg_catalog.max(r.died_at),
           (pg_catalog.array_agg(r.id order by r.died_at desc, r.id desc))[1],
           pg_catalog.left((pg_catalog.array_agg(r.error order by r.died_at desc, r.id desc))[1], 500)
    from conveyor._dead_letter_rows(v_queue) as r
    where p_job_type is null or r.job_type = p_job_type
    group by r.queue, r.job_type, r.fingerprint
    order by pg_catalog.count(*) desc, pg_catalog.max(r.died_at) desc;
end;
$$;
