-- conveyor._health_oldest_pending
-- health()'s oldest-pending check: unhealthy when the oldest ready job waited longer than health_oldest_pending_max.
create or replace function conveyor._health_oldest_pending(p_oldest interval)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_max interval := conveyor._setting('health_oldest_pending_max', '3 hours')::interval;
begin
    if p_oldest is null or p_oldest <= v_max then
        return null;
    end if;
    return pg_catalog.jsonb_build_object(
        'check', 'oldest_pending', 'severity', 'unhealthy',
        'value', extract(epoch from p_oldest), 'threshold', extract(epoch from v_max),
        'reason', pg_catalog.format('the oldest ready job has waited %s (threshold %s)',
            pg_catalog.date_trunc('second', p_oldest), v_max),
        'recommendation', 'A job type may have no live worker with a handler: compare conveyor.job_status '
            || 'with conveyor.worker_health and start a worker for it.');
end;
$$;
