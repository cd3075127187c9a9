-- conveyor._execution_flags
-- The execution mode's three settings, read once: primary executor, Inngest fallback, dual run.
--
-- They are rows of conveyor.settings (migration 0574), changed through
-- conveyor.set_execution_mode. fallback is the one rule for "Postgres gave up, so
-- Inngest takes it": Postgres primary with the fallback on and dual run off (in dual
-- run Inngest already has its own copy of every job).
create or replace function conveyor._execution_flags(
    out primary_executor text,
    out inngest_fallback boolean,
    out dual_run boolean,
    out fallback boolean,
    out updated_at timestamptz
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
    select
        coalesce(pg_catalog.max(s.value) filter (where s.name = 'primary_executor'), 'postgres'),
        coalesce(pg_catalog.bool_or(s.value::boolean) filter (where s.name = 'inngest_fallback'), false),
        coalesce(pg_catalog.bool_or(s.value::boolean) filter (where s.name = 'dual_run'), false),
        pg_catalog.max(s.updated_at)
    into primary_executor, inngest_fallback, dual_run, updated_at
    from conveyor.settings as s
    where s.name in ('primary_executor', 'inngest_fallback', 'dual_run');
    fallback := primary_executor = 'postgres' and inngest_fallback and not dual_run;
end;
$$;
