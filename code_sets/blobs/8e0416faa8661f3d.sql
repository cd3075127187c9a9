-- conveyor.grant_producer
-- Gives role p_role the producer API (conveyor_api.enqueue, enqueue_batch, dispatch) and nothing else.
create or replace function conveyor.grant_producer(p_role text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    perform conveyor._grant_api_role('conveyor_producer', p_role, true);
end;
$$;
