-- conveyor._raise_stale_lease
-- Raises SQLSTATE CV001 saying why job p_job_id is not owned by the caller's lease.
--
-- CV001 is our own code (class CV) so that a runner can tell "you lost this job"
-- from any other error without parsing the message.
create or replace function conveyor._raise_stale_lease(p_job_id bigint, p_action text)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
    v_state text;
begin
    select j.state::text into v_state from conveyor.jobs as j where j.id = p_job_id;
    if v_state is null then
        if exists (select 1 from conveyor.dead_letters as d where d.id = p_job_id) then
            v_state := 'dead-lettered';
        else
            v_state := 'finished or unknown';
        end if;
    elsif v_state = 'running' then
        v_state := 'running under another lease';
    else
        v_state := 'waiting to be claimed again';
    end if;
    raise exception 'conveyor: cannot % job %: the lease token is stale (the job is %)', p_action, p_job_id, v_state
        using errcode = 'CV001',
              hint = 'The lease expired and the job was rescued or reclaimed; this attempt''s outcome is discarded.';
end;
$$;
