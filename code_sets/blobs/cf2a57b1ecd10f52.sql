-- conveyor.outbox_failed
-- Records a failed send: the rows stay unsent and are retried after an exponential backoff (1 s doubling, capped at 5 min).
create or replace function conveyor.outbox_failed(p_ids bigint[], p_error text)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_count integer;
begin
    update conveyor.inngest_outbox as o
    set last_error = pg_catalog.left(p_error, 2000),
        next_attempt_at = pg_catalog.now()
        + conveyor.backoff_delay(greatest(o.attempts, 1), interval '1 second', interval '5 minutes')
    where o.id = any(p_ids) and o.sent_at is null;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;
