-- Producers and readers outside the runner (Supabase Edge Functions, SQL clients,
-- Grafana), and what Supabase's database linter asks of the schema.
-- depends: 0550_code_sets

-- Two group roles, granted to the roles that need them by conveyor.grant_producer()
-- and conveyor.grant_reader(). Grants on functions are lost when a function is
-- dropped and created again (a signature change, a rollback); grants to these
-- roles are re-applied by every migrate (functions/grants/9900_grants.sql), and
-- membership in them is never lost. Roles belong to the cluster, not the database:
-- created once, they serve every conveyor database of the cluster. Creating them
-- needs CREATEROLE (Supabase's postgres has it); an administrator may create them
-- beforehand instead (docs/operations.md, "Producers and readers").
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'conveyor_producer') then
        create role conveyor_producer nologin;
    end if;
    if not exists (select from pg_catalog.pg_roles where rolname = 'conveyor_reader') then
        create role conveyor_reader nologin;
    end if;
exception when insufficient_privilege then
    raise exception 'conveyor: roles conveyor_producer and conveyor_reader do not exist and % may not create them',
        current_user
        using errcode = '42501',
              hint = 'As a role with CREATEROLE: create role conveyor_producer nologin; create role conveyor_reader '
                  || 'nologin; grant conveyor_producer, conveyor_reader to ' || current_user || ' with admin option;';
end
$$;

-- The producer API, and nothing else: security definer wrappers of enqueue,
-- enqueue_batch and dispatch (functions/grants/98*). A schema of their own, so a
-- producer needs no right on schema conveyor at all, and Supabase's Data API can
-- expose this schema without exposing conveyor's tables and internals.
create schema if not exists conveyor_api;
revoke all on schema conveyor_api from public;

-- Supabase's linter (no_primary_key): history gets a key. A job completes once, so
-- its id is unique; finished_at is in the key too, so the key stays valid if
-- job_history is partitioned by finished_at (a partitioned table's unique keys must
-- include the partition key). Rows that are exact duplicates of (id, finished_at),
-- if any, are the same completion recorded twice: one is kept.
delete from conveyor.job_history as a
using conveyor.job_history as b
where a.id = b.id and a.finished_at = b.finished_at and a.ctid > b.ctid;

alter table conveyor.job_history
add constraint job_history_pkey primary key (id, finished_at);

-- Supabase's linter (unindexed_foreign_keys): deleting or renaming a job type
-- checks schedules by job_type.
create index schedules_job_type_idx on conveyor.schedules (job_type);
