-- conveyor._health_dead
-- health()'s dead check: degraded when more jobs and pgmq messages died in health_dead_window than health_dead_max.
--
-- p_dead counts dead letters of the jobs table and messages in the pgmq _dlq
-- queues alike: a message buried after its third read is as dead as a job.
create or replace function conveyor._health_dead(p_dead bigint)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_max bigint := conveyor._setting('health_dead_max', '10')::bigint;
    v_window interval := conveyor._setting('health_dead_window', '24 hours')::interval;
begin
    if coalesce(p_dead, 0) <= v_max then
        return null;
    end if;
    return pg_catalog.jsonb_build_object(
        'check', 'dead', 'severity', 'degraded', 'value', p_dead, 'threshold', v_max,
        'reason', pg_catalog.format('%s jobs or messages died in the last %s (threshold %s)', p_dead, v_window, v_max),
        'recommendation', 'Read the errors with `conveyor dlq list` (pgmq: the <queue>_dlq queues), fix the cause, '
            || 'then `conveyor dlq requeue`.');
end;
$$;
