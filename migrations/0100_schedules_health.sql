-- Schedules as data, settings for retention and health thresholds, and the logs
-- that let health see what ran: schedule runs and housekeeping runs.
-- depends: 0002_seed_job_types

-- Operator-tunable settings, read by housekeeping and health. Values are text,
-- cast where they are used (an interval, a count); a bad value fails loudly there.
create table conveyor.settings (
    name text primary key,
    value text not null,
    description text,
    updated_at timestamptz not null default now(),
    constraint settings_name_format check (name ~ '^[a-z][a-z0-9_]{0,62}$')
);

insert into conveyor.settings (name, value, description)
values
('history_retention', '7 days', 'completed-job history older than this is pruned by housekeeping'),
('dead_letter_retention', '30 days', 'dead letters older than this are pruned by housekeeping'),
('cron_run_details_retention', '7 days', 'pg_cron''s cron.job_run_details rows older than this are pruned'),
('log_retention', '30 days', 'schedule runs, housekeeping log and silent workers older than this are pruned'),
('prune_batch_size', '10000', 'rows per delete batch'),
('prune_max_batches', '100', 'delete batches per table per housekeeping run'),
('health_pending_max', '50', 'degraded when more jobs than this are ready to run'),
('health_pgmq_depth_max', '100', 'degraded when pgmq queues hold more messages than this in total'),
('health_dead_max', '10', 'degraded when more jobs than this died within health_dead_window'),
('health_dead_window', '24 hours', 'the window in which dead letters count towards health_dead_max'),
('health_stalled_after', '1 hour', 'unhealthy when work has waited this long and nothing completed in this time'),
('health_oldest_pending_max', '3 hours', 'unhealthy when the oldest ready job has waited longer than this'),
('health_schedule_grace', '3 minutes', 'a schedule slot not run within this time counts as missed'),
('health_worker_stale_after', '1 minute', 'a worker whose last heartbeat is older than this is not live')
on conflict (name) do nothing;

-- A recurring job. Every pg_cron job conveyor owns is named conveyor_<name> and
-- calls conveyor.run_schedule('<name>'); conveyor.reconcile_schedules() keeps
-- cron.job equal to the enabled rows here.
create table conveyor.schedules (
    name text primary key,
    cron text not null,
    job_type text not null references conveyor.job_types (name) on update cascade,
    payload jsonb not null default '{}',
    priority smallint,
    -- 'enqueue': add a job of job_type (deduplicated per schedule).
    -- 'housekeeping': run conveyor.housekeeping() in the database at once, so the
    -- tables stay trim even when no worker is running.
    action text not null default 'enqueue',
    enabled boolean not null default true,
    description text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    -- Bookkeeping, written by run_schedule.
    last_due_at timestamptz,
    last_run_at timestamptz,
    last_enqueued_at timestamptz,
    last_job_id bigint,
    runs bigint not null default 0,
    enqueued bigint not null default 0,
    constraint schedules_name_format check (name ~ '^[a-z][a-z0-9_]{0,53}$'),
    constraint schedules_cron_fields check (cron ~ '^\S+ \S+ \S+ \S+ \S+$'),
    constraint schedules_payload_is_object check (jsonb_typeof(payload) = 'object'),
    constraint schedules_action_known check (action in ('enqueue', 'housekeeping'))
);

-- One row per run of a schedule (by pg_cron, tick or run-now): what schedule
-- health counts as "runs that actually happened". Pruned by housekeeping.
create table conveyor.schedule_runs (
    id bigint generated always as identity primary key,
    schedule text not null,
    due_at timestamptz,
    ran_at timestamptz not null default now(),
    job_id bigint,
    enqueued boolean not null,
    via text not null,
    constraint schedule_runs_via_known check (via in ('cron', 'tick', 'manual'))
);

create index schedule_runs_schedule_ran_at_idx on conveyor.schedule_runs (schedule, ran_at);
create index schedule_runs_ran_at_idx on conveyor.schedule_runs (ran_at);

-- What each housekeeping run did (or that it was skipped because another ran).
create table conveyor.housekeeping_log (
    id bigint generated always as identity primary key,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    status text not null,
    history_pruned bigint not null default 0,
    dead_letters_pruned bigint not null default 0,
    cron_details_pruned bigint not null default 0,
    logs_pruned bigint not null default 0,
    rescued integer not null default 0,
    details jsonb not null default '{}',
    constraint housekeeping_log_status_known check (status in ('done', 'skipped'))
);

create index housekeeping_log_started_at_idx on conveyor.housekeeping_log (started_at);

-- The original design's schedules (UTC). cron/1000_schedules.sql declares them
-- again for pg_cron; seeding them here too lets `conveyor schedule tick` and the
-- HTTP cron endpoint run them on servers without pg_cron.
insert into conveyor.schedules (name, cron, job_type, action, description)
values
('calendar_sync', '*/30 * * * *', 'calendar_sync', 'enqueue', 'Sync calendars every 30 minutes'),
('risk_check', '*/5 * * * *', 'risk_check', 'enqueue', 'Check risk limits every 5 minutes'),
('housekeeping', '0 3 * * *', 'housekeeping', 'housekeeping', 'Daily maintenance at 03:00 UTC')
on conflict (name) do nothing;

alter table conveyor.settings enable row level security;
alter table conveyor.schedules enable row level security;
alter table conveyor.schedule_runs enable row level security;
alter table conveyor.housekeeping_log enable row level security;

revoke all on all tables in schema conveyor from public;
revoke all on all sequences in schema conveyor from public;
