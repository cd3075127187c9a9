-- conveyor.worker_heartbeat
-- A runner says it is alive: which job types it runs, how many jobs it holds, how many it finished.
create or replace function conveyor.worker_heartbeat(
    p_worker text,
    p_job_types text[],
    p_in_flight integer default 0,
    p_processed bigint default 0,
    p_hostname text default null,
    p_pid integer default null
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    insert into conveyor.workers as w (name, job_types, in_flight, processed, hostname, pid)
    values (p_worker, coalesce(p_job_types, '{}'), coalesce(p_in_flight, 0), coalesce(p_processed, 0), p_hostname, p_pid)
    on conflict (name) do update set
        job_types = excluded.job_types,
        in_flight = excluded.in_flight,
        processed = excluded.processed,
        hostname = coalesce(excluded.hostname, w.hostname),
        pid = coalesce(excluded.pid, w.pid),
        last_seen_at = pg_catalog.now();
end;
$$;
