-- conveyor.requeue_dead
-- Puts dead-lettered jobs back in the queue with fresh attempts: one by id, or every one of a type.
--
-- The dead-letter row is deleted and the job inserted under its old id in one
-- statement. The error history is kept on the job. A dead job whose dedup key is
-- held by a live job stays dead (it is reported, never dropped).
create or replace function conveyor.requeue_dead(p_job_id bigint)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    v_count := conveyor._requeue_dead(array[p_job_id]);
    if v_count = 0 then
        if exists (select 1 from conveyor.dead_letters as d where d.id = p_job_id) then
            raise exception 'conveyor: dead job % cannot be requeued: a live job holds its dedup key', p_job_id
                using errcode = '23505';
        end if;
        raise exception 'conveyor: job % is not in the dead-letter table', p_job_id using errcode = 'P0002';
    end if;
    return p_job_id;
end;
$$;
