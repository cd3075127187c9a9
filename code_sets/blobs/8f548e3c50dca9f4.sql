-- conveyor.list_schedules
-- Every schedule with its next and last run and, where pg_cron runs it here, pg_cron's last run status and message.
create or replace function conveyor.list_schedules()
returns table (
    schedule text,
    cron text,
    job_type text,
    action text,
    enabled boolean,
    next_run_at timestamptz,
    last_run_at timestamptz,
    last_job_id bigint,
    missed boolean,
    cron_job boolean,
    cron_status text,
    cron_started_at timestamptz,
    cron_message text
)
language plpgsql
stable
set search_path = ''
as $$
begin
    if pg_catalog.to_regclass('cron.job_run_details') is null then
        return query
        select h.schedule, h.cron, h.job_type, h.action, h.enabled, h.next_run_at, h.last_run_at, h.last_job_id,
               h.missed, null::boolean, null::text, null::timestamptz, null::text
        from conveyor.schedule_health as h
        order by h.schedule;
        return;
    end if;
    return query execute
        'select h.schedule, h.cron, h.job_type, h.action, h.enabled, h.next_run_at, h.last_run_at, h.last_job_id, '
        '       h.missed, j.jobid is not null, d.status, d.start_time, d.return_message '
        'from conveyor.schedule_health as h '
        'left join cron.job as j on j.jobname = ''conveyor_'' || h.schedule and j.database = pg_catalog.current_database() '
        'left join lateral ('
        '    select r.status, r.start_time, r.return_message from cron.job_run_details as r '
        '    where r.jobid = j.jobid order by r.runid desc limit 1'
        ') as d on true '
        'order by h.schedule';
end;
$$;
