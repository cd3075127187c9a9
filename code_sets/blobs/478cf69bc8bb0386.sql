-- conveyor.dlq_purge
-- Deletes dead letters for good: one, or by queue, job type or fingerprint, at most p_limit per call; returns those deleted.
create or replace function conveyor.dlq_purge(
    p_queue text default null,
    p_id bigint default null,
    p_job_type text default null,
    p_fingerprint text default null,
    p_limit integer default 100
)
returns table (queue text, id bigint, job_type text)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_sel record;
begin
    for v_sel in
        select s.queue, pg_catalog.array_agg(s.id) as ids
        from conveyor._dlq_select(p_queue, p_id, p_job_type, p_fingerprint, p_limit) as s
        group by s.queue
    loop
        if v_sel.queue = 'jobs' then
            return query
            delete from conveyor.dead_letters as d where d.id = any(v_sel.ids)
            returning 'jobs'::text, d.id, d.job_type;
        else
            return query execute pg_catalog.format(
                'delete from pgmq.%I as d where d.msg_id = any($1) returning %L::text, d.msg_id, d.message ->> ''job_type''',
                'q_' || v_sel.queue, v_sel.queue
            ) using v_sel.ids;
        end if;
    end loop;
end;
$$;
