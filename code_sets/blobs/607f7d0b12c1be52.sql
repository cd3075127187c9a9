-- conveyor.set_execution_mode
-- Changes the execution mode (null leaves a flag as it is) and returns the new conveyor.execution_mode().
--
-- 'supabase' is accepted for 'postgres', as the original design's PRIMARY_EXECUTOR
-- spelled it. Takes effect for the next dispatch: routing reads the row each time.
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
        raise exception 'conveyor: unknown primary executor %', pg_catalog.quote_literal(p_primary_executor)
            using errcode = '22023', hint = 'Use postgres (or its alias supabase) or inngest.';
    end if;
    if p_unhealthy_after is not null and p_unhealthy_after <= interval '0' then
        raise exception 'conveyor: unhealthy_after must be positive' using errcode = '22023';
    end if;
    insert into conveyor.execution_settings as s (id, primary_executor, inngest_fallback, dual_run, unhealthy_after)
    values (
        true, coalesce(v_primary, 'postgres'), coalesce(p_inngest_fallback, false), coalesce(p_dual_run, false),
        coalesce(p_unhealthy_after, interval '60 seconds')
    )
    on conflict (id) do update
        set primary_executor = coalesce(v_primary, s.primary_executor),
            inngest_fallback = coalesce(p_inngest_fallback, s.inngest_fallback),
            dual_run = coalesce(p_dual_run, s.dual_run),
            unhealthy_after = coalesce(p_unhealthy_after, s.unhealthy_after),
            updated_at = pg_catalog.now();
    return conveyor.execution_mode();
end;
$$;
