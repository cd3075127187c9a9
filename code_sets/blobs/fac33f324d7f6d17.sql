-- conveyor.reconcile_schedules
-- Makes pg_cron's cron.job match conveyor.schedules: one conveyor_<name> job per enabled schedule; returns what changed.
--
-- Only jobs named conveyor_% that run in this database are touched; every other
-- cron.job row (other tools', other databases') is left alone. Each job calls
-- exactly one function, conveyor.run_schedule('<name>'). cron.schedule updates a
-- job of the same name in place (pg_cron 1.3+), so re-running changes nothing.
-- Without pg_cron this is a no-op that says so: tick or POST /api/jobs/cron run the schedules.
create or replace function conveyor.reconcile_schedules()
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_schedule record;
    v_job record;
    v_jobname text;
    v_command text;
    v_scheduled text[] := '{}';
    v_unscheduled text[] := '{}';
    v_unchanged integer := 0;
begin
    if pg_catalog.to_regclass('cron.job') is null then
        return pg_catalog.jsonb_build_object('pg_cron', false);
    end if;
    for v_schedule in
        select s.name, s.cron from conveyor.schedules as s where s.enabled order by s.name
    loop
        v_jobname := 'conveyor_' || v_schedule.name;
        v_command := pg_catalog.format('select conveyor.run_schedule(%L)', v_schedule.name);
        if exists (
            select 1 from cron.job as j
            where j.jobname = v_jobname and j.schedule = v_schedule.cron and j.command = v_command
              and j.database = pg_catalog.current_database() and j.active
        ) then
            v_unchanged := v_unchanged + 1;
        else
            perform cron.schedule(v_jobname, v_schedule.cron, v_command);
            v_scheduled := v_scheduled || v_schedule.name;
        end if;
    end loop;
    for v_job in
        select j.jobid, j.jobname from cron.job as j
        where j.jobname like 'conveyor\_%'
          and j.database = pg_catalog.current_database()
          and not exists (
              select 1 from conveyor.schedules as s
              where s.enabled and 'conveyor_' || s.name = j.jobname
          )
        order by j.jobid
    loop
        perform cron.unschedule(v_job.jobid);
        v_unscheduled := v_unscheduled || v_job.jobname;
    end loop;
    return pg_catalog.jsonb_build_object(
        'pg_cron', true,
        'scheduled', pg_catalog.to_jsonb(v_scheduled),
        'unscheduled', pg_catalog.to_jsonb(v_unscheduled),
        'unchanged', v_unchanged
    );
end;
$$;
