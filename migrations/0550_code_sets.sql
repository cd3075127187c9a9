-- The code each schema version ran with: `conveyor migrate` records the functions/
-- and cron/ files it applied under the newest migration id, so that
-- `conveyor migrate --to VERSION` can bring back the code that fits VERSION's schema
-- (docs/operations.md, "Rolling back").
-- depends: 0310_worker_failures

create table conveyor.code_sets (
    -- The newest migration id (yoyo's order) when this code ran.
    version text primary key,
    -- [{"path": "functions/core/0100_function__validate_name.sql", "sql": "..."}, ...]
    -- in the order migrate applied them.
    files jsonb not null,
    checksum text not null,
    recorded_at timestamptz not null default now(),
    constraint code_sets_files_is_array check (jsonb_typeof(files) = 'array')
);

alter table conveyor.code_sets enable row level security;

revoke all on conveyor.code_sets from public;
