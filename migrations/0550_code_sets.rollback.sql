-- Undo 0550_code_sets.
drop table if exists conveyor.code_sets;
