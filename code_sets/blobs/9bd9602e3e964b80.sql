-- conveyor.outbox_sent
-- Marks outbox rows as accepted by Inngest; returns how many were marked.
create or replace function conveyor.outbox_sent(p_ids bigint[])
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    update conveyor.inngest_outbox as o
    set sent_at = pg_catalog.now(), last_error = null
    where o.id = any(p_ids) and o.sent_at is null;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;
