-- conveyor_api.enqueue_batch
-- conveyor.enqueue_batch for members of conveyor_producer: many jobs in one statement; returns their ids.
--
-- Security definer on purpose, for the reasons given in conveyor_api.enqueue.
create or replace function conveyor_api.enqueue_batch(p_jobs jsonb, p_job_type text default null)
returns setof bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return query select conveyor.enqueue_batch(p_jobs => p_jobs, p_job_type => p_job_type);
end;
$$;
