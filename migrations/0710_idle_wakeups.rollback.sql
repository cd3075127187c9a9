-- Undo 0710_idle_wakeups: the older _notify (NOTIFY on every due job) comes back with that version's functions.
drop sequence if exists conveyor.idle_workers;
