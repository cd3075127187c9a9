-- conveyor.ensure_pgmq_queues
-- Creates every queue named in conveyor.routes, and its <name>_dlq, when pgmq is present; returns the queues created.
--
-- Idempotent: a queue that exists is left alone. Returns nothing when pgmq is absent
-- (routes to pgmq then fall back to the jobs table).
create or replace function conveyor.ensure_pgmq_queues()
returns setof text
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_queue text;
    v_name text;
begin
    if not conveyor._pgmq_available() then
        return;
    end if;
    for v_queue in
        select distinct r.queue_name from conveyor.routes as r
        where r.queue_name is not null
        order by r.queue_name
    loop
        perform conveyor._validate_queue_name(v_queue);
        foreach v_name in array array[v_queue, v_queue || '_dlq'] loop
            if not exists (select 1 from pgmq.meta as m where m.queue_name = v_name) then
                perform pgmq.create(v_name);
                return next v_name;
            end if;
        end loop;
    end loop;
end;
$$;
