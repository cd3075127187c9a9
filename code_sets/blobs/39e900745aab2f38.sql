-- conveyor._dlq_name
-- Checks a dead-letter source and returns its canonical name: 'jobs' (the jobs table), or an existing pgmq <queue>_dlq.
--
-- A queue's own name stands for its dead-letter queue (alert_jobs means
-- alert_jobs_dlq). Null stays null (every source). Anything else raises 22023.
create or replace function conveyor._dlq_name(p_queue text)
returns text
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    if p_queue is null or p_queue = 'jobs' then
        return p_queue;
    end if;
    perform conveyor._validate_name(p_queue, 'queue');
    if conveyor._pgmq_available() then
        if p_queue like '%\_dlq' and exists (select 1 from pgmq.meta as m where m.queue_name = p_queue) then
            return p_queue;
        end if;
        if exists (select 1 from pgmq.meta as m where m.queue_name = p_queue || '_dlq') then
            return p_queue || '_dlq';
        end if;
    end if;
    raise exception 'conveyor: no dead-letter queue %', pg_catalog.quote_literal(p_queue)
        using errcode = '22023',
              hint = 'Use jobs (the jobs table''s dead letters) or a pgmq queue that has a <queue>_dlq.';
end;
$$;
