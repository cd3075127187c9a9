-- conveyor.pgmq_read
-- Reads up to p_qty messages from a pgmq queue, hiding them for p_vt seconds; in the same statement dead-letters the unrunnable.
--
-- A message comes back once per read; read_ct is the fencing token to pass to
-- pgmq_ack / pgmq_fail. Of the visible messages this read takes (oldest first,
-- skipping those another reader holds), one already read p_max_reads times (its
-- last reader never acknowledged it: the original design's rule of at most 3
-- reads) or with no usable job type, payload or job id (conveyor._pgmq_message_problem)
-- goes to <queue>_dlq with the reason, and the rest are read. Deciding and reading
-- are one statement over rows it has locked, so no message can become visible
-- between a sweep and a read and be read past its limit. When a batch held only
-- such messages, the next batch is taken at once, so a run of bad messages never
-- makes a read come back empty while good ones wait behind them.
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
declare
    v_row record;
    v_read integer;
    v_buried integer;
    v_stamp text := '';
    v_sql text;
begin
    perform conveyor._pgmq_require(p_queue);
    if p_qty is null or p_qty not between 1 and 1000 then
        raise exception 'conveyor: read quantity % is out of range (1 to 1000)', coalesce(p_qty::text, 'NULL')
            using errcode = '22023';
    end if;
    if p_vt is null or p_vt not between 1 and 86400 then
        raise exception 'conveyor: visibility timeout % s is out of range (1 to 86400)', coalesce(p_vt::text, 'NULL')
            using errcode = '22023';
    end if;
    if p_max_reads is null or p_max_reads not between 1 and 1000 then
        raise exception 'conveyor: max reads % is out of range (1 to 1000)', coalesce(p_max_reads::text, 'NULL')
            using errcode = '22023', hint = 'A message is dead-lettered instead of being read more than this many times.';
    end if;
    -- pgmq 1.5 and later stamp last_read_at on every read (pgmq_ack turns it into a run time).
    if exists (
        select 1 from pg_catalog.pg_attribute as a
        where a.attrelid = pg_catalog.format('pgmq.%I', 'q_' || p_queue)::regclass
            and a.attname = 'last_read_at' and not a.attisdropped
    ) then
        v_stamp := ', last_read_at = pg_catalog.clock_timestamp()';
    end if;
    v_sql := pg_catalog.format(
        $sql$
        with taken as (
            select q.msg_id,
                   case
                       when q.read_ct >= $3 then 'read ' || q.read_ct || ' times without success'
                       -- Fast path, for the shape dispatch sends: a registered type, an object
                       -- payload and a whole-number job id are usable for certain.
                       when t.name is not null
                           and pg_catalog.jsonb_typeof(q.message -> 'payload') = 'object'
                           and pg_catalog.jsonb_typeof(q.message -> 'job_id') = 'number'
                           and q.message ->> 'job_id' ~ '^[1-9][0-9]{0,17}$' then null
                       else conveyor._pgmq_message_problem(q.message)
                   end as problem
            from pgmq.%1$I as q
            left join conveyor.job_types as t on t.name = q.message ->> 'job_type'
            where q.vt <= pg_catalog.clock_timestamp()
            order by q.msg_id
            limit $1
            for update of q skip locked
        ), dead as (
            delete from pgmq.%1$I as q
            using taken as t
            where q.msg_id = t.msg_id and t.problem is not null
            returning q.msg_id, q.read_ct, q.enqueued_at, q.message, t.problem
        ), buried as (
            insert into pgmq.%2$I (vt, message)
            select pg_catalog.clock_timestamp(), conveyor._pgmq_dead_message(d.message, pg_catalog.jsonb_build_object(
                'queue', %3$L, 'msg_id', d.msg_id, 'read_ct', d.read_ct, 'enqueued_at', d.enqueued_at,
                'reason', d.problem, 'died_at', pg_catalog.now()
            ))
            from dead as d
            returning message
        ), got as (
            update pgmq.%1$I as q
            set vt = pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => $2),
                read_ct = q.read_ct + 1 %4$s
            from taken as t
            where q.msg_id = t.msg_id and t.problem is null
            returning q.msg_id, q.read_ct, q.enqueued_at, q.vt, q.message
        )
        -- A usable message's job_id is absent, null or 1 to 18 digits: the cast is safe.
        select false as dead, g.msg_id, g.read_ct, g.enqueued_at, g.vt, g.message, null::text as problem,
               case when g.message ->> 'job_id' ~ '^[0-9]{1,18}$' then (g.message ->> 'job_id')::bigint end as job_id,
               g.message ->> 'job_type' as job_type,
               case when pg_catalog.jsonb_typeof(g.message -> 'payload') = 'object'
                    then g.message -> 'payload' else '{}'::jsonb end as payload
        from got as g
        union all
        select true, (b.message -> 'dead' ->> 'msg_id')::bigint, (b.message -> 'dead' ->> 'read_ct')::integer,
               null, null, b.message, b.message -> 'dead' ->> 'reason', null, null, null
        from buried as b
        order by 2
        $sql$,
        'q_' || p_queue, 'q_' || p_queue || '_dlq', p_queue, v_stamp
    );
    -- At most 100 batches of only bad messages per call: a queue of nothing else
    -- still returns to the caller now and then.
    for i in 1 .. 100 loop
        v_read := 0;
        v_buried := 0;
        for v_row in execute v_sql using p_qty, p_vt, p_max_reads loop
            if v_row.dead then
                v_buried := v_buried + 1;
                perform conveyor._pgmq_died(
                    p_queue, v_row.message, v_row.read_ct, v_row.problem, v_row.read_ct >= p_max_reads
                );
            else
                v_read := v_read + 1;
                msg_id := v_row.msg_id;
                read_ct := v_row.read_ct;
                job_id := v_row.job_id;
                job_type := v_row.job_type;
                -- A usable payload is an object, JSON null or absent (both mean {}).
                payload := v_row.payload;
                enqueued_at := v_row.enqueued_at;
                vt := v_row.vt;
                return next;
            end if;
        end loop;
        exit when v_read > 0 or v_buried = 0;
    end loop;
end;
$$;
