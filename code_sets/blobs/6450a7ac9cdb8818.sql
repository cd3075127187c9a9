-- conveyor.worker_heartbeat
-- A runner says it is alive: which job types it runs, how many jobs it holds, how many it finished and failed.
create or replace function conveyor.worker_heartbeat(
    p_worker text,
    p_job_types text[],
    p_in_flight integer default 0,
    p_processed bigint default 0,
    p_hostname text default null,
    p_pid integer default null,
    p_failed bigint default 0
)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    -- The workers table's rule (workers_name_length), said before the insert trips it.
    if p_worker is null or pg_catalog.length(p_worker) not between 1 and 200 then
        raise exception 'conveyor: worker name must be 1 to 200 characters, got %',
            coalesce(pg_catalog.length(p_worker)::text || ' characters', 'NULL')
            using errcode = '22023';
    end if;
    perform conveyor._validate_name(t) from pg_catalog.unnest(p_job_types) as t;
    insert into conveyor.workers as w (name, job_types, in_flight, processed, failed, hostname, pid)
    values (
        p_worker, coalesce(p_job_types, '{}'), coalesce(p_in_flight, 0), coalesce(p_processed, 0),
        coalesce(p_failed, 0), p_hostname, p_pid
    )
    on conflict (name) do update set
        job_types = excluded.job_types,
        in_flight = excluded.in_flight,
        processed = excluded.processed,
        failed = excluded.failed,
        hostname = coalesce(excluded.hostname, w.hostname),
        pid = coalesce(excluded.pid, w.pid),
        last_seen_at = pg_catalog.now();
end;
$$;
