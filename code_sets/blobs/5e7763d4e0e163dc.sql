-- conveyor.move_to_dead_letter
-- Buries a waiting job by hand (a poison job, say); a running job only with its lease token.
create or replace function conveyor.move_to_dead_letter(
    p_job_id bigint,
    p_reason text default 'moved by an operator',
    p_lease_token uuid default null
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_job conveyor.jobs;
begin
    select * into v_job from conveyor.jobs as j where j.id = p_job_id for update;
    if not found then
        raise exception 'conveyor: job % is not in the jobs table (finished, dead-lettered or unknown)', p_job_id
            using errcode = 'P0002';
    end if;
    if v_job.state = 'running' and v_job.lease_token is distinct from p_lease_token then
        perform conveyor._raise_stale_lease(p_job_id, 'dead-letter');
    end if;
    perform conveyor._bury(array[p_job_id], coalesce(p_reason, 'moved by an operator'));
end;
$$;
