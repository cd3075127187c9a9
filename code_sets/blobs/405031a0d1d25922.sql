-- conveyor.grant_reader
-- Gives role p_role read-only access for dashboards (conveyor_reader): select through RLS policies, no BYPASSRLS.
create or replace function conveyor.grant_reader(p_role text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    perform conveyor._grant_api_role('conveyor_reader', p_role, true);
end;
$$;
