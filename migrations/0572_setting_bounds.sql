-- Every setting says what it takes: a kind (a count or an interval) and its bounds,
-- which conveyor.set_setting checks. Before, a setting's kind was guessed from its
-- current value and any positive value was taken, so prune_batch_size = 0 stopped
-- housekeeping and health_dead_window = '1000000 years' made health() overflow.
-- Bounds are text, read as the setting's kind.
-- depends: 0571_default_privileges

alter table conveyor.settings
add column kind text,
add column min_value text,
add column max_value text;

update conveyor.settings as s
set
    kind = b.kind,
    min_value = b.min_value,
    max_value = b.max_value
from (
    values
    ('history_retention', 'interval', '1 microsecond', '100 years'),
    ('dead_letter_retention', 'interval', '1 microsecond', '100 years'),
    ('cron_run_details_retention', 'interval', '1 microsecond', '100 years'),
    ('log_retention', 'interval', '1 microsecond', '100 years'),
    ('prune_batch_size', 'count', '1', '1000000'),
    ('prune_max_batches', 'count', '1', '100000'),
    ('health_pending_max', 'count', '0', '1000000000'),
    ('health_pgmq_depth_max', 'count', '0', '1000000000'),
    ('health_dead_max', 'count', '0', '1000000000'),
    ('health_dead_window', 'interval', '1 microsecond', '100 years'),
    ('health_stalled_after', 'interval', '1 microsecond', '100 years'),
    ('health_oldest_pending_max', 'interval', '1 microsecond', '100 years'),
    ('health_schedule_grace', 'interval', '1 microsecond', '1 day'),
    ('health_worker_stale_after', 'interval', '1 microsecond', '1 day'),
    ('health_old_xact_max', 'interval', '1 microsecond', '100 years'),
    -- Inngest deduplicates event ids for 24 hours: a sent outbox row must outlive that.
    ('outbox_retention', 'interval', '1 day', '100 years'),
    ('pgmq_archive_retention', 'interval', '1 microsecond', '100 years')
) as b (name, kind, min_value, max_value)
where s.name = b.name;

-- kind stays nullable: a row added without one (by hand, or by a later migration
-- that inserts only name and value) is read as before: digits make a count. Without
-- bounds a count takes 0 to 999999999 and an interval 1 microsecond to 100 years.
alter table conveyor.settings
add constraint settings_kind_known check (kind in ('count', 'interval'));
