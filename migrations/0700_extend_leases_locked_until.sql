-- extend_leases returns each renewed lease's end (id, lease_token, locked_until), not
-- only its id: runners time their next renewal on the lease the database granted, so
-- shortening a job type's lease while its jobs run no longer loses leases. The return
-- type changes, so the old function is dropped here and functions/core/0430 creates
-- the new one on the same migrate.
-- depends: 0600_hot_path_at_scale

drop function if exists conveyor.extend_leases(bigint[], uuid[], interval);
