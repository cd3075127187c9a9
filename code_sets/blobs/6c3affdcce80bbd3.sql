-- conveyor._validate_name
-- Checks a job-type (or queue, schedule) name and returns it; raises a clear error otherwise.
--
-- One allow-list for every name that may end up in an identifier: a lower-case
-- ASCII letter, then letters, digits or underscores, 63 bytes at most (NAMEDATALEN - 1,
-- Postgres' identifier limit). Quotes, $$, --, ;, upper case, Unicode look-alikes and
-- the empty string are all refused before anything is looked up or executed.
create or replace function conveyor._validate_name(p_name text, p_kind text default 'job type')
returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
begin
    if p_name is null or p_name !~ '^[a-z][a-z0-9_]{0,62}$' then
        raise exception 'conveyor: invalid % name %', p_kind, coalesce(pg_catalog.quote_literal(pg_catalog.left(p_name, 100)), 'NULL')
            using errcode = '22023',
                  hint = 'Use 1 to 63 characters: a lower-case ASCII letter, then lower-case letters, digits or underscores.';
    end if;
    return p_name;
end;
$$;
