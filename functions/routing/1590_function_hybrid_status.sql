-- conveyor.hybrid_status
-- The hybrid queue's status in one answer: depth and dead per queue (jobs table, each pgmq queue), counts per job type, mode.
--
-- For GET /api/jobs/process (the original design's hybrid queue status checker)
-- and anyone with SQL. A pgmq queue's dead are the messages in its <queue>_dlq;
-- the jobs table's are its dead letters. Each job type carries its route and the
-- queue its work goes to now, so a depth can be traced to the types behind it.
create or replace function conveyor.hybrid_status()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_types jsonb;
    v_jobs jsonb;
    v_pgmq jsonb;
begin
    select
        coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
            'job_type', s.job_type,
            'route', r.destination,
            'goes_to', r.effective_destination,
            'queue', r.effective_queue,
            'ready', s.ready,
            'scheduled', s.scheduled,
            'running', s.running,
            'retrying', s.retrying,
            'completed_24h', s.completed_24h,
            'dead', s.dead,
            'live_workers', s.live_workers
        ) order by s.job_type), '[]'::jsonb),
        pg_catalog.jsonb_build_object(
            'queue', 'jobs',
            'kind', 'jobs',
            'depth', coalesce(sum(s.ready + s.scheduled + s.running), 0),
            'running', coalesce(sum(s.running), 0),
            'dead', coalesce(sum(s.dead), 0)
        )
    into v_types, v_jobs
    from conveyor.job_status as s
    left join conveyor.list_routes() as r on r.job_type = s.job_type;

    -- One count of every queue, read twice (a queue and its _dlq), not counted twice.
    with depths as materialized (
        select * from conveyor.pgmq_queue_depths()
    )
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'queue', q.queue_name,
        'kind', 'pgmq',
        'depth', q.depth,
        'oldest_seconds', extract(epoch from q.oldest_age),
        'dead', coalesce(d.depth, 0)
    ) order by q.queue_name), '[]'::jsonb)
    into v_pgmq
    from depths as q
    left join depths as d on d.queue_name = q.queue_name || '_dlq'
    where q.queue_name not like '%\_dlq';

    return pg_catalog.jsonb_build_object(
        'mode', conveyor.execution_mode(),
        'pgmq_available', conveyor._pgmq_available(),
        'queues', pg_catalog.jsonb_build_array(v_jobs) || v_pgmq,
        'job_types', v_types,
        'at', pg_catalog.now()
    );
end;
$$;
