-- conveyor._pgmq_require
-- Checks that pgmq is present and p_queue is a valid, existing queue; returns the name.
create or replace function conveyor._pgmq_require(p_queue text)
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
    perform conveyor._validate_queue_name(p_queue);
    if not conveyor._pgmq_available() then
        raise exception 'conveyor: pgmq is not available in this database'
            using errcode = '55000',
                  hint = 'create extension pgmq, or run conveyor migrate with CONVEYOR_INSTALL_PGMQ=true.';
    end if;
    if not exists (select 1 from pgmq.meta as m where m.queue_name = p_queue) then
        raise exception 'conveyor: pgmq queue % does not exist', pg_catalog.quote_literal(p_queue)
            using errcode = '22023', hint = 'Route a job type to it: conveyor route set <type> pgmq ' || p_queue;
    end if;
    return p_queue;
end;
$$;
