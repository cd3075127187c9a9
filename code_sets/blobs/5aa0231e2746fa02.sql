-- Grants, re-applied after every function: nothing in conveyor is for PUBLIC.
--
-- Postgres grants EXECUTE on new functions to PUBLIC by default, which on Supabase
-- would hand them to anon and authenticated. Revoke it; the owner (the role that
-- migrates) keeps every right. Grant to your own roles on purpose, not here.
revoke all on schema conveyor from public;
revoke all on all tables in schema conveyor from public;
revoke all on all sequences in schema conveyor from public;
revoke all on all functions in schema conveyor from public;
