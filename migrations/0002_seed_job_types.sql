-- The original design's job types, with its policy: 5 attempts, 30 s leases.
-- depends: 0001_core

insert into conveyor.job_types (name, default_priority, description)
values
('calendar_sync', 0, 'Sync calendars (scheduled every 30 minutes)'),
('risk_check', 5, 'Check risk limits (scheduled every 5 minutes)'),
('housekeeping', -5, 'Daily maintenance at 03:00 UTC'),
('execution', 10, 'Execute an order (autosniping)'),
('order_close', 10, 'Close an order (autosniping)'),
('alert', 8, 'Send an alert'),
('metric', -2, 'Record a metric')
on conflict (name) do nothing;
