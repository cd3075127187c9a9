-- conveyor._dead_letter_rows
-- Every dead letter of the jobs table and of every pgmq <queue>_dlq as one row shape (or only those of p_queue, a canonical name).
--
-- queue is 'jobs' or the DLQ's name; id is the job id (jobs) or the DLQ msg_id;
-- error is the last attempt's error, else the reason; died_at is when it was
-- buried (for pgmq, when it entered the DLQ). Reads message fields defensively:
-- a DLQ holds whatever was buried, producer-written messages included.
create or replace function conveyor._dead_letter_rows(p_queue text default null)
returns table (
    queue text,
    id bigint,
    job_id bigint,
    job_type text,
    reason text,
    error text,
    fingerprint text,
    died_at timestamptz,
    attempts integer
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_dlq text;
begin
    if p_queue is null or p_queue = 'jobs' then
        return query
        select 'jobs'::text, d.id, d.id, d.job_type, d.reason, coalesce(d.last_error, d.reason),
               conveyor._error_fingerprint(coalesce(d.last_error, d.reason)), d.died_at, d.attempts
        from conveyor.dead_letters as d;
    end if;
    if (p_queue is null or p_queue <> 'jobs') and conveyor._pgmq_available() then
        for v_dlq in
            select m.queue_name::text from pgmq.meta as m
            where m.queue_name like '%\_dlq' and (p_queue is null or m.queue_name = p_queue)
            order by m.queue_name
        loop
            return query execute pg_catalog.format(
                $sql$
                select %L::text, q.msg_id, conveyor._jsonb_bigint(q.message -> 'job_id'),
                       q.message ->> 'job_type', e.reason, e.error, conveyor._error_fingerprint(e.error),
                       q.enqueued_at, coalesce(conveyor._jsonb_bigint(q.message -> 'dead' -> 'read_ct'), 0)::integer
                from pgmq.%I as q
                cross join lateral (
                    select q.message -> 'dead' ->> 'reason' as reason,
                           coalesce(
                               case when pg_catalog.jsonb_typeof(q.message -> 'errors') = 'array'
                                    then q.message -> 'errors' -> -1 ->> 'error' end,
                               q.message -> 'dead' ->> 'reason', 'no error recorded'
                           ) as error
                ) as e
                $sql$,
                v_dlq, 'q_' || v_dlq
            );
        end loop;
    end if;
end;
$$;
