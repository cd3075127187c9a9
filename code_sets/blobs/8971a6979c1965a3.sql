-- conveyor.extend_lease
-- Heartbeat for one job: returns the new lease end; raises CV001 when the lease is stale.
create or replace function conveyor.extend_lease(
    p_job_id bigint,
    p_lease_token uuid,
    p_lease interval default null
)
returns timestamptz
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_until timestamptz;
begin
    perform 1 from conveyor.extend_leases(array[p_job_id], array[p_lease_token], p_lease);
    if not found then
        perform conveyor._raise_stale_lease(p_job_id, 'extend the lease of');
    end if;
    select j.locked_until into v_until from conveyor.jobs as j where j.id = p_job_id;
    return v_until;
end;
$$;
