-- conveyor._health_stalled
-- health()'s stalled check: unhealthy when work has waited health_stalled_after and nothing completed in that time.
--
-- History is read only when work has waited that long. A count over the window, not
-- exists(): the planner would answer exists() with a sequential scan expecting an
-- early match, but recent rows sit at the table's end (its BRIN index finds them).
create or replace function conveyor._health_stalled(p_ready bigint, p_oldest interval)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_after interval := conveyor._setting('health_stalled_after', '1 hour')::interval;
    v_completed bigint;
begin
    if p_oldest is null or p_oldest <= v_after then
        return null;
    end if;
    select pg_catalog.count(*) into v_completed
    from conveyor.job_history as h
    where h.finished_at > pg_catalog.now() - v_after and h.outcome = 'completed';
    if v_completed > 0 then
        return null;
    end if;
    return pg_catalog.jsonb_build_object(
        'check', 'stalled', 'severity', 'unhealthy',
        'value', p_ready, 'threshold', extract(epoch from v_after),
        'reason', pg_catalog.format('work has waited over %s and no job completed in that time', v_after),
        'recommendation', 'No worker is processing: check conveyor.worker_health and start or restart the workers.');
end;
$$;
