-- conveyor.prune_outbox
-- Deletes outbox rows Inngest accepted more than p_older_than ago; returns how many. Unsent rows are never deleted.
--
-- Inngest remembers event ids for 24 hours, so keeping sent rows for a week covers
-- any re-send; after that they are history only.
create or replace function conveyor.prune_outbox(p_older_than interval default interval '7 days')
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_count integer;
begin
    if p_older_than is null or p_older_than < interval '1 day' then
        raise exception 'conveyor: keep sent outbox rows at least 1 day (Inngest deduplicates event ids for 24 hours)'
            using errcode = '22023';
    end if;
    if p_older_than > interval '100 years' then
        raise exception 'conveyor: older_than % is out of range (1 day to 100 years)', p_older_than using errcode = '22023';
    end if;
    delete from conveyor.inngest_outbox as o
    where o.sent_at is not null and o.sent_at < pg_catalog.now() - p_older_than;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;
