-- conveyor._jsonb_bigint
-- A positive whole number from a jsonb value (a number, or a string of digits); null for anything else, never an error.
--
-- pgmq messages come from any producer: a job_id of "order-17" or a uuid must not
-- make (message ->> 'job_id')::bigint raise 22P02 in the middle of a read. 18
-- digits always fit a bigint.
create or replace function conveyor._jsonb_bigint(p_value jsonb)
returns bigint
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
    v_text text;
begin
    if p_value is null or pg_catalog.jsonb_typeof(p_value) not in ('number', 'string') then
        return null;
    end if;
    v_text := p_value #>> '{}';
    if v_text !~ '^[0-9]{1,18}$' or v_text::bigint < 1 then
        return null;
    end if;
    return v_text::bigint;
end;
$$;
