-- conveyor._notify
-- Wakes idle workers: one NOTIFY on channel conveyor_jobs carrying only the job type.
--
-- The payload is never the job (NOTIFY payloads are limited to 8000 bytes), and
-- Postgres folds identical notifications of one transaction into one.
create or replace function conveyor._notify(p_job_type text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify('conveyor_jobs', p_job_type);
end;
$$;
