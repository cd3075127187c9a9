-- conveyor.pgmq_read
-- Reads up to p_qty messages from a pgmq queue, hiding them for p_vt seconds; first dead-letters messages read 3 times.
--
-- A message comes back once per read; read_ct is the fencing token to pass to
-- pgmq_ack / pgmq_fail. A visible message already read p_max_reads times (its last
-- reader never acknowledged it) goes to <queue>_dlq instead of being run again:
-- the original design's rule of at most 3 reads.
create or replace function conveyor.pgmq_read(
    p_queue text,
    p_qty integer default 10,
    p_vt integer default 30,
    p_max_reads integer default 3
)
returns table (
    msg_id bigint,
    read_ct integer,
    job_id bigint,
    job_type text,
    payload jsonb,
    enqueued_at timestamptz,
    vt timestamptz
)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    perform conveyor._pgmq_require(p_queue);
    if p_qty is null or p_qty not between 1 and 1000 then
        raise exception 'conveyor: read quantity % is out of range (1 to 1000)', p_qty using errcode = '22023';
    end if;
    if p_vt is null or p_vt not between 1 and 86400 then
        raise exception 'conveyor: visibility timeout % s is out of range (1 to 86400)', p_vt using errcode = '22023';
    end if;
    perform conveyor._pgmq_bury(p_queue, null, null, 'read ' || p_max_reads || ' times without success', p_max_reads);
    return query
    select r.msg_id, r.read_ct, (r.message ->> 'job_id')::bigint, r.message ->> 'job_type',
           coalesce(r.message -> 'payload', '{}'::jsonb), r.enqueued_at, r.vt
    from pgmq.read(p_queue, p_vt, p_qty) as r;
end;
$$;
