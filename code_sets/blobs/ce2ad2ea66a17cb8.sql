-- conveyor.set_execution_mode
-- Changes the execution mode (null leaves a flag as it is) and returns the new conveyor.execution_mode().
--
-- 'supabase' is accepted for 'postgres', as the original design's PRIMARY_EXECUTOR
-- spelled it. The flags are settings rows, each changed through conveyor.set_setting
-- (its checks, its bounds); p_unhealthy_after sets health_worker_stale_after, the one
-- definition of a live worker. Takes effect for the next dispatch.
create or replace function conveyor.set_execution_mode(
    p_primary_executor text default null,
    p_inngest_fallback boolean default null,
    p_dual_run boolean default null,
    p_unhealthy_after interval default null
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_primary text := pg_catalog.lower(pg_catalog.btrim(p_primary_executor));
begin
    if v_primary = 'supabase' then
        v_primary := 'postgres';
    end if;
    if v_primary is not null and v_primary not in ('postgres', 'inngest') then
        raise exception 'conveyor: unknown primary executor %', pg_catalog.quote_literal(pg_catalog.left(p_primary_executor, 100))
            using errcode = '22023', hint = 'Use postgres (or its alias supabase) or inngest.';
    end if;
    if v_primary is not null then
        perform conveyor.set_setting('primary_executor', v_primary);
    end if;
    if p_inngest_fallback is not null then
        perform conveyor.set_setting('inngest_fallback', p_inngest_fallback::text);
    end if;
    if p_dual_run is not null then
        perform conveyor.set_setting('dual_run', p_dual_run::text);
    end if;
    if p_unhealthy_after is not null then
        perform conveyor.set_setting('health_worker_stale_after', p_unhealthy_after::text);
    end if;
    return conveyor.execution_mode();
end;
$$;
