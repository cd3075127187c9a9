-- Functions created later by the migrating role are not executable by PUBLIC.
--
-- 0001's `alter default privileges in schema conveyor revoke execute on functions
-- from public` did nothing: a per-schema default can only add to the global one,
-- never take from it, and the global default grants EXECUTE to PUBLIC. So a function
-- added to conveyor (or to pgmq, which migrate may install as this role) outside
-- migrate was callable by everyone (on Supabase: anon, authenticated) until the next
-- migrate's revoke. The global default of the role that migrates is the one that
-- works. It applies to every function this role creates from now on, in any schema:
-- grant execute on your own functions to the roles that call them, on purpose.
-- depends: 0570_orphan_jobs

alter default privileges revoke execute on functions from public;
