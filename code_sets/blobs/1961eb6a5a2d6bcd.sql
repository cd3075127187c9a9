-- conveyor.record_code_set
-- Records the functions/ and cron/ files a migrate applied, under the schema version they fit.
--
-- Called by `conveyor migrate` after it has applied them; `conveyor migrate --to`
-- reads them back (conveyor.code_set) to restore the code of an earlier version.
create or replace function conveyor.record_code_set(p_version text, p_files jsonb)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
    if p_version is null or p_version !~ '^[0-9]{4}_[a-z0-9_]+$' then
        raise exception 'conveyor: a code set needs a migration id as its version, got %',
            coalesce(pg_catalog.quote_literal(p_version), 'NULL')
            using errcode = '22023';
    end if;
    if p_files is null or pg_catalog.jsonb_typeof(p_files) <> 'array' then
        raise exception 'conveyor: a code set is a JSON array of {"path", "sql"} objects'
            using errcode = '22023';
    end if;
    insert into conveyor.code_sets as c (version, files, checksum)
    values (p_version, p_files, pg_catalog.md5(p_files::text))
    on conflict (version) do update
        set files = excluded.files, checksum = excluded.checksum, recorded_at = pg_catalog.now()
        where c.checksum is distinct from excluded.checksum;
end;
$$;
