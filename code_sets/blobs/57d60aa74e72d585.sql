-- conveyor._health_pending
-- health()'s pending check: degraded when more jobs are ready than health_pending_max; the problem, or null.
create or replace function conveyor._health_pending(p_ready bigint)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_max bigint := conveyor._setting('health_pending_max', '50')::bigint;
begin
    if coalesce(p_ready, 0) <= v_max then
        return null;
    end if;
    return pg_catalog.jsonb_build_object(
        'check', 'pending', 'severity', 'degraded', 'value', p_ready, 'threshold', v_max,
        'reason', pg_catalog.format('%s jobs are ready to run (threshold %s)', p_ready, v_max),
        'recommendation', 'Workers are not keeping up: start more workers or raise --concurrency; '
            || 'check conveyor.queue_health for the job type that is backing up.');
end;
$$;
