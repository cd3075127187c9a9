-- Undo 0700_extend_leases_locked_until: the setof bigint extend_leases comes back with the functions of that version.
drop function if exists conveyor.extend_leases(bigint[], uuid[], interval);
