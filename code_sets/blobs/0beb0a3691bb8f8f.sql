-- conveyor._health_missed_schedules
-- health()'s schedule check: degraded when a schedule missed its last slot (conveyor.schedule_health); the problem, or null.
create or replace function conveyor._health_missed_schedules(p_missed text[])
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    if coalesce(pg_catalog.cardinality(p_missed), 0) = 0 then
        return null;
    end if;
    return pg_catalog.jsonb_build_object(
        'check', 'missed_schedule', 'severity', 'degraded', 'value', pg_catalog.to_jsonb(p_missed),
        'threshold', conveyor._setting('health_schedule_grace', '3 minutes'),
        'reason', pg_catalog.format('schedule(s) %s did not run at their last slot',
            pg_catalog.array_to_string(p_missed, ', ')),
        'recommendation', 'Check pg_cron (select * from cron.job_run_details order by start_time desc limit 20) '
            || 'or, without pg_cron, that something calls POST /api/jobs/cron or `conveyor schedule tick` every minute.');
end;
$$;
