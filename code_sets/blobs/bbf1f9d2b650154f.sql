-- conveyor._validate_queue_name
-- Checks a pgmq queue name and returns it; raises a clear error otherwise.
--
-- The allow-list is conveyor._validate_name's (a lower-case ASCII letter, then
-- letters, digits or underscores), so quotes, $$, --, ; and look-alikes never reach
-- pgmq's dynamic SQL. The length limit is pgmq's, not Postgres': pgmq names its
-- tables q_<name> and a_<name>, and a partitioned queue's template
-- template_pgmq_q_<name>; 16 bytes of prefix within the 63-byte identifier limit
-- leave 47 (pgmq.validate_queue_name). Every queue here has a dead-letter queue
-- named <name>_dlq, so a queue name may use 47 - 4 = 43 bytes.
create or replace function conveyor._validate_queue_name(p_name text)
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
    perform conveyor._validate_name(p_name, 'queue');
    if pg_catalog.octet_length(p_name) > 43 then
        raise exception 'conveyor: queue name % is too long (% bytes, at most 43)',
            pg_catalog.quote_literal(p_name), pg_catalog.octet_length(p_name)
            using errcode = '22023',
                  hint = 'pgmq allows 47 bytes and conveyor appends _dlq for the dead-letter queue.';
    end if;
    return p_name;
end;
$$;
