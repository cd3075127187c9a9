-- conveyor._idle_registered
-- Whether this session holds an idle registration (conveyor.worker_idle): the one test worker_idle, worker_busy and _idle_repair share.
--
-- The session setting conveyor.idle holds the backend's pid while registered. A pid,
-- not 'on': a value an operator put in postgresql.conf or ALTER ROLE / DATABASE ...
-- SET (or a session left by a pooler) must not pass for a registration, or producers
-- would see no worker waiting while this one waits.
create or replace function conveyor._idle_registered()
returns boolean
language sql
stable
security invoker
set search_path = ''
as $$
    select coalesce(pg_catalog.current_setting('conveyor.idle', true) = pg_catalog.pg_backend_pid()::text, false);
$$;
