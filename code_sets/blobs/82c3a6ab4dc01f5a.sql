-- conveyor.revoke_reader
-- Takes back from role p_role the read-only access of conveyor_reader.
create or replace function conveyor.revoke_reader(p_role text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    perform conveyor._grant_api_role('conveyor_reader', p_role, false);
end;
$$;
