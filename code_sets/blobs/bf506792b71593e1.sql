-- conveyor.prune_history
-- Deletes completed-job history older than p_older_than, in bounded batches; returns rows removed.
--
-- Each batch is one short delete (at most p_batch_size rows) so pruning never holds
-- long locks or writes one giant transaction's worth of WAL at once.
create or replace function conveyor.prune_history(
    p_older_than interval default interval '7 days',
    p_batch_size integer default 10000,
    p_max_batches integer default 1000
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_total bigint := 0;
    v_count integer;
    v_cutoff timestamptz := pg_catalog.now() - p_older_than;
begin
    for i in 1 .. p_max_batches loop
        delete from conveyor.job_history as h
        where h.ctid = any(array(
            select x.ctid from conveyor.job_history as x
            where x.finished_at < v_cutoff
            limit p_batch_size
        ));
        get diagnostics v_count = row_count;
        v_total := v_total + v_count;
        exit when v_count < p_batch_size;
    end loop;
    return v_total;
end;
$$;
