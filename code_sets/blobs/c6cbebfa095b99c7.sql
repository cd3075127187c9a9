-- conveyor._validate_queue_name
-- Checks a pgmq queue name (the domain conveyor.queue_name: an identifier of at most 43 bytes) and returns it.
--
-- Why 43 bytes is said where the rule is, in migration 0415 (pgmq's 47-byte limit
-- minus the _dlq suffix). Quotes, $$, --, ; and look-alikes never reach pgmq's dynamic SQL.
create or replace function conveyor._validate_queue_name(p_name text)
returns text
language plpgsql
stable
parallel safe
security invoker
set search_path = ''
as $$
begin
    return conveyor._validate_name(p_name, 'queue');
end;
$$;
