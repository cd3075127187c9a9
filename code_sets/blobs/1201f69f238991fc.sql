-- conveyor._pgmq_message_problem
-- Why a pgmq message cannot be run (no usable job type, payload or job id), or null when it can.
--
-- A usable message is a JSON object with job_type naming a registered job type,
-- payload a JSON object (absent or null means {}), and job_id absent or a positive
-- whole number. Anything else is dead-lettered on its first read with this reason,
-- instead of failing every read of its queue.
create or replace function conveyor._pgmq_message_problem(p_message jsonb)
returns text
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    v_type jsonb;
    v_payload jsonb;
    v_id jsonb;
begin
    if p_message is null or pg_catalog.jsonb_typeof(p_message) <> 'object' then
        return 'unusable message: not a JSON object';
    end if;
    v_type := p_message -> 'job_type';
    if v_type is null or pg_catalog.jsonb_typeof(v_type) <> 'string' then
        return 'unusable message: no job_type string';
    end if;
    if not exists (select 1 from conveyor.job_types as t where t.name = v_type #>> '{}') then
        return 'unusable message: unknown job type ' || pg_catalog.left(v_type::text, 100);
    end if;
    v_payload := p_message -> 'payload';
    if v_payload is not null and pg_catalog.jsonb_typeof(v_payload) not in ('object', 'null') then
        return 'unusable message: payload is a JSON ' || pg_catalog.jsonb_typeof(v_payload) || ', not an object';
    end if;
    v_id := p_message -> 'job_id';
    if v_id is not null and pg_catalog.jsonb_typeof(v_id) <> 'null' and conveyor._jsonb_bigint(v_id) is null then
        return 'unusable message: job_id ' || pg_catalog.left(v_id::text, 100) || ' is not a positive whole number';
    end if;
    return null;
end;
$$;
