-- conveyor.tick
-- Runs every enabled schedule that has a cron slot due since its last run; returns what it ran.
--
-- For servers without pg_cron: call it every minute (`conveyor schedule tick`,
-- POST /api/jobs/cron, or any external scheduler). A schedule that missed several
-- slots runs once, not once per slot. A new schedule first runs at its first slot
-- after it was created. Schedules another tick is running are skipped, not waited for.
create or replace function conveyor.tick(p_now timestamptz default null)
returns table (schedule text, due_at timestamptz, job_id bigint)
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_s record;
    v_now timestamptz := coalesce(p_now, pg_catalog.now());
    v_due timestamptz;
begin
    for v_s in
        select s.name, s.cron, s.created_at, s.last_due_at
        from conveyor.schedules as s
        where s.enabled
        order by s.name
        for update skip locked
    loop
        v_due := conveyor._cron_prev(v_s.cron, v_now);
        if v_due is not null and v_due > coalesce(v_s.last_due_at, v_s.created_at) then
            schedule := v_s.name;
            due_at := v_due;
            job_id := conveyor.run_schedule(v_s.name, v_due, 'tick');
            return next;
        end if;
    end loop;
end;
$$;
