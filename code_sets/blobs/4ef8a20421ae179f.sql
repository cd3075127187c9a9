-- conveyor.execution_mode
-- The execution mode as jsonb: the flags, the mode's name, which executors take work, and whether pgmq is present.
--
-- Modes, as in the original design: postgres_primary (jobs table and pgmq, no
-- Inngest); inngest_primary (pgmq stays, jobs-table work goes to Inngest);
-- fallback (Postgres first, Inngest when a job exhausts its attempts or no healthy
-- worker handles its type); dual_run (Postgres and Inngest both run the work).
create or replace function conveyor.execution_mode()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_s conveyor.execution_settings;
    v_mode text;
    v_pgmq boolean := conveyor._pgmq_available();
begin
    select * into v_s from conveyor.execution_settings as s where s.id;
    if not found then
        v_s := row(true, 'postgres', false, false, interval '60 seconds', pg_catalog.now())::conveyor.execution_settings;
    end if;
    v_mode := case
        when v_s.primary_executor = 'inngest' then 'inngest_primary'
        when v_s.dual_run then 'dual_run'
        when v_s.inngest_fallback then 'fallback'
        else 'postgres_primary'
    end;
    return pg_catalog.jsonb_build_object(
        'mode', v_mode,
        'primary_executor', v_s.primary_executor,
        'inngest_fallback', v_s.inngest_fallback,
        'dual_run', v_s.dual_run,
        'unhealthy_after_seconds', extract(epoch from v_s.unhealthy_after),
        'pgmq_available', v_pgmq,
        'executors', pg_catalog.jsonb_build_object(
            'jobs_table', v_s.primary_executor = 'postgres',
            'pgmq', v_pgmq,
            'inngest', v_s.primary_executor = 'inngest' or v_s.inngest_fallback or v_s.dual_run
        ),
        'updated_at', v_s.updated_at
    );
end;
$$;
