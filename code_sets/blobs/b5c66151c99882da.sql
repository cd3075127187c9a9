-- conveyor._error_fingerprint
-- An error's first line with its timestamps, uuids, hex ids and numbers replaced by <ts>, <uuid>, <hex> and <n>: what triage groups by.
--
-- "job 17 failed at 2026-01-01T10:00:00Z" and "job 18 failed at ..." are one
-- problem; the fingerprint makes them one group. At most 200 characters.
create or replace function conveyor._error_fingerprint(p_error text)
returns text
language plpgsql
immutable
parallel safe
security invoker
set search_path = ''
as $$
declare
    v text := pg_catalog.split_part(coalesce(p_error, ''), E'\n', 1);
begin
    v := pg_catalog.regexp_replace(
        v, '\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z)?)?', '<ts>', 'g'
    );
    v := pg_catalog.regexp_replace(
        v, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>', 'g'
    );
    v := pg_catalog.regexp_replace(v, '\m0x[0-9a-fA-F]+\M', '<hex>', 'g');
    v := pg_catalog.regexp_replace(v, '\m[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\M', '<hex>', 'g');
    v := pg_catalog.regexp_replace(v, '\d+(\.\d+)?', '<n>', 'g');
    v := pg_catalog.btrim(pg_catalog.regexp_replace(v, '\s+', ' ', 'g'));
    return pg_catalog.left(v, 200);
end;
$$;
