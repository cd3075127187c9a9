-- Undo 0571_default_privileges: PUBLIC gets EXECUTE on this role's new functions again (Postgres' default).
alter default privileges grant execute on functions to public;
