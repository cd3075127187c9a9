-- conveyor._health_pgmq_depth
-- health()'s pgmq check: degraded when the queues (not their _dlq) hold more than health_pgmq_depth_max; the problem, or null.
create or replace function conveyor._health_pgmq_depth(p_depth bigint)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_max bigint := conveyor._setting('health_pgmq_depth_max', '100')::bigint;
begin
    if coalesce(p_depth, 0) <= v_max then
        return null;
    end if;
    return pg_catalog.jsonb_build_object(
        'check', 'pgmq_depth', 'severity', 'degraded', 'value', p_depth, 'threshold', v_max,
        'reason', pg_catalog.format('pgmq queues hold %s messages waiting (threshold %s)', p_depth, v_max),
        'recommendation', 'Check that the pgmq consumers are running and draining their queues.');
end;
$$;
