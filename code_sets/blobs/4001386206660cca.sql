-- conveyor.revoke_producer
-- Takes back from role p_role the producer API of conveyor_producer.
create or replace function conveyor.revoke_producer(p_role text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    perform conveyor._grant_api_role('conveyor_producer', p_role, false);
end;
$$;
