-- Undo 0300_health_old_transactions.
delete from conveyor.settings where name = 'health_old_xact_max';
