-- conveyor.requeue_dead
-- Puts one dead-lettered job back in the queue with fresh attempts; returns its id.
--
-- The job goes back under its old id with its error history. A dead job whose
-- dedup key is held by a live job stays dead (23505, as the unique index would
-- say); one whose job type was deleted stays dead too (22023: register it again).
create or replace function conveyor.requeue_dead(p_job_id bigint)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_type text;
begin
    if conveyor._requeue_dead(array[p_job_id]) = 0 then
        select d.job_type into v_type from conveyor.dead_letters as d where d.id = p_job_id;
        if not found then
            raise exception 'conveyor: job % is not in the dead-letter table', p_job_id using errcode = 'P0002';
        end if;
        if not exists (select 1 from conveyor.job_types as t where t.name = v_type) then
            raise exception 'conveyor: dead job % cannot be requeued: its job type % no longer exists', p_job_id,
                pg_catalog.quote_literal(v_type)
                using errcode = '22023',
                      hint = 'Register it again first: select conveyor.register_job_type(' || pg_catalog.quote_literal(v_type) || ');';
        end if;
        raise exception 'conveyor: dead job % cannot be requeued: a live job holds its dedup key', p_job_id
            using errcode = '23505';
    end if;
    return p_job_id;
end;
$$;
