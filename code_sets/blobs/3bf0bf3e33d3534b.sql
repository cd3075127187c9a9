-- conveyor.dlq_show
-- One dead letter in full as jsonb: a jobs-table dead letter (p_queue 'jobs' or null) by job id, or a DLQ message by msg_id.
create or replace function conveyor.dlq_show(p_id bigint, p_queue text default 'jobs')
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_queue text := coalesce(conveyor._dlq_name(p_queue), 'jobs');
    v_result jsonb;
begin
    if p_id is null then
        raise exception 'conveyor: dlq_show needs an id' using errcode = '22023';
    end if;
    if v_queue = 'jobs' then
        select pg_catalog.jsonb_build_object('queue', 'jobs') || pg_catalog.to_jsonb(d)
        into v_result
        from conveyor.dead_letters as d where d.id = p_id;
    else
        execute pg_catalog.format(
            'select pg_catalog.jsonb_build_object(''queue'', %L, ''msg_id'', q.msg_id, ''enqueued_at'', q.enqueued_at, '
            '''message'', q.message) from pgmq.%I as q where q.msg_id = $1',
            v_queue, 'q_' || v_queue
        ) into v_result using p_id;
    end if;
    if v_result is null then
        if v_queue = 'jobs' then
            raise exception 'conveyor: job % is not in the dead-letter table', p_id using errcode = 'P0002';
        end if;
        raise exception 'conveyor: message % is not in dead-letter queue %', p_id, v_queue using errcode = 'P0002';
    end if;
    return v_result;
end;
$$;
