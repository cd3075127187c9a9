-- Undo 0572_setting_bounds.
alter table conveyor.settings
drop constraint if exists settings_kind_known,
drop column if exists max_value,
drop column if exists min_value,
drop column if exists kind;
