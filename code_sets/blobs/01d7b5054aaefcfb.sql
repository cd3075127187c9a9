-- conveyor.set_route
-- Routes a job type to 'jobs', 'pgmq' (with a queue name) or 'inngest'; creates the queue and its _dlq when pgmq is present.
create or replace function conveyor.set_route(
    p_job_type text,
    p_destination text,
    p_queue_name text default null
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform conveyor._validate_name(p_job_type);
    if not exists (select 1 from conveyor.job_types as t where t.name = p_job_type) then
        raise exception 'conveyor: unknown job type %', pg_catalog.quote_literal(p_job_type)
            using errcode = '22023';
    end if;
    if p_destination is null or p_destination not in ('jobs', 'pgmq', 'inngest') then
        raise exception 'conveyor: unknown destination %', coalesce(pg_catalog.quote_literal(p_destination), 'NULL')
            using errcode = '22023', hint = 'Use jobs, pgmq or inngest.';
    end if;
    if p_destination = 'pgmq' then
        if p_queue_name is null then
            raise exception 'conveyor: a pgmq route needs a queue name' using errcode = '22023';
        end if;
        perform conveyor._validate_queue_name(p_queue_name);
    elsif p_queue_name is not null then
        raise exception 'conveyor: only a pgmq route takes a queue name' using errcode = '22023';
    end if;
    insert into conveyor.routes as r (job_type, destination, queue_name)
    values (p_job_type, p_destination, p_queue_name)
    on conflict (job_type) do update
        set destination = excluded.destination,
            queue_name = excluded.queue_name,
            updated_at = pg_catalog.now();
    perform conveyor.ensure_pgmq_queues();
end;
$$;
