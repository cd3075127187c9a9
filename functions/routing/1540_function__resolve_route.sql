-- conveyor._resolve_route
-- Where work of a job type goes now: the route, redirected by the execution mode and pgmq's presence.
--
-- destination is 'jobs', 'pgmq' (with queue_name) or 'inngest'; copy_to_inngest is
-- true in dual-run mode; note says why the route was redirected, if it was.
-- Rules, in order: a type with no route uses the jobs table; a pgmq route without
-- pgmq uses the jobs table; Inngest primary sends jobs-table work to Inngest; an
-- inngest route in a mode that does not use Inngest uses the jobs table; fallback
-- mode sends jobs-table work to Inngest when no healthy worker handles the type.
create or replace function conveyor._resolve_route(
    p_job_type text,
    out destination text,
    out queue_name text,
    out copy_to_inngest boolean,
    out note text
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_s record;
begin
    select * into v_s from conveyor._execution_flags();
    select r.destination, r.queue_name into destination, queue_name
    from conveyor.routes as r
    where r.job_type = p_job_type;
    if not found then
        destination := 'jobs';
    end if;
    copy_to_inngest := false;

    if destination = 'pgmq' and not conveyor._pgmq_available() then
        destination := 'jobs';
        note := 'pgmq is not available: queue ' || queue_name || ' falls back to the jobs table';
        queue_name := null;
    end if;

    if destination = 'jobs' and v_s.primary_executor = 'inngest' then
        destination := 'inngest';
        note := coalesce(note || '; ', '') || 'Inngest is the primary executor';
    elsif destination = 'inngest' and v_s.primary_executor = 'postgres'
        and not v_s.inngest_fallback and not v_s.dual_run then
        destination := 'jobs';
        note := 'Inngest is off in postgres_primary mode';
    elsif destination = 'jobs' and v_s.fallback and not conveyor._postgres_healthy(p_job_type) then
        destination := 'inngest';
        note := coalesce(note || '; ', '') || 'fallback: no healthy worker handles ' || p_job_type;
    end if;

    copy_to_inngest := v_s.dual_run and destination <> 'inngest';
end;
$$;
