-- conveyor.execution_mode
-- The execution mode as jsonb: the flags, the mode's name, which executors take work, and whether pgmq is present.
--
-- Modes, as in the original design: postgres_primary (jobs table and pgmq, no
-- Inngest); inngest_primary (pgmq stays, jobs-table work goes to Inngest);
-- fallback (Postgres first, Inngest when a job exhausts its attempts or no live
-- worker handles its type); dual_run (Postgres and Inngest both run the work).
-- The flags are settings rows (conveyor._execution_flags); unhealthy_after_seconds
-- is health_worker_stale_after, the one definition of a live worker.
create or replace function conveyor.execution_mode()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_f record;
    v_pgmq boolean := conveyor._pgmq_available();
begin
    select * into v_f from conveyor._execution_flags();
    return pg_catalog.jsonb_build_object(
        'mode', case
            when v_f.primary_executor = 'inngest' then 'inngest_primary'
            when v_f.dual_run then 'dual_run'
            when v_f.inngest_fallback then 'fallback'
            else 'postgres_primary'
        end,
        'primary_executor', v_f.primary_executor,
        'inngest_fallback', v_f.inngest_fallback,
        'dual_run', v_f.dual_run,
        'unhealthy_after_seconds',
        extract(epoch from conveyor._setting('health_worker_stale_after', '1 minute')::interval),
        'pgmq_available', v_pgmq,
        'executors', pg_catalog.jsonb_build_object(
            'jobs_table', v_f.primary_executor = 'postgres',
            'pgmq', v_pgmq,
            'inngest', v_f.primary_executor = 'inngest' or v_f.inngest_fallback or v_f.dual_run
        ),
        'updated_at', v_f.updated_at
    );
end;
$$;
