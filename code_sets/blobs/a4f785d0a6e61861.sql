-- conveyor.complete_job
-- Completes one job under its current lease token; raises with the job id when the lease is stale.
create or replace function conveyor.complete_job(p_job_id bigint, p_lease_token uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform 1 from conveyor.complete_jobs(array[p_job_id], array[p_lease_token]);
    if not found then
        perform conveyor._raise_stale_lease(p_job_id, 'complete');
    end if;
end;
$$;
