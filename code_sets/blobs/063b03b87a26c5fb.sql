-- conveyor._check_job
-- Checks one job's arguments as enqueue and dispatch take them; returns its job type's row or raises 22023.
--
-- The one place that says what a valid job is, so that work sent to the jobs table,
-- a pgmq queue or Inngest is refused (or accepted) alike. The type's row is locked
-- for key share until the caller's transaction ends, as a foreign key would: a
-- concurrent delete of the type waits for this job to commit (and then finds it),
-- or, if it deleted first, this call finds the type gone. Without the lock the
-- delete guard cannot see an uncommitted job and the job outlives its type.
create or replace function conveyor._check_job(
    p_job_type text,
    p_payload jsonb,
    p_priority integer default null,
    p_run_at timestamptz default null,
    p_delay interval default null,
    p_dedup_key text default null,
    p_max_attempts integer default null
)
returns conveyor.job_types
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_type conveyor.job_types;
begin
    -- A registered type's name is valid by its table's constraint: the name rule is
    -- asked only when the type is not found, to say why (a hostile name, or unknown).
    select * into v_type from conveyor.job_types as t where t.name = p_job_type for key share;
    if not found then
        perform conveyor._validate_name(p_job_type);
        raise exception 'conveyor: unknown job type %', pg_catalog.quote_literal(p_job_type)
            using errcode = '22023',
                  hint = 'Register it first: select conveyor.register_job_type(''' || p_job_type || ''');';
    end if;
    if p_payload is null or pg_catalog.jsonb_typeof(p_payload) <> 'object' then
        raise exception 'conveyor: payload of a % job must be a JSON object, got %',
            p_job_type, coalesce(pg_catalog.jsonb_typeof(p_payload), 'NULL')
            using errcode = '22023';
    end if;
    if p_run_at is not null or p_delay is not null then
        perform conveyor._due_at(p_run_at, p_delay);
    end if;
    if p_priority is not null and p_priority not between -32768 and 32767 then
        raise exception 'conveyor: priority % is out of range (-32768 to 32767)', p_priority using errcode = '22023';
    end if;
    if p_max_attempts is not null and p_max_attempts not between 1 and 1000 then
        raise exception 'conveyor: max_attempts % is out of range (1 to 1000)', p_max_attempts using errcode = '22023';
    end if;
    if p_dedup_key is not null and pg_catalog.length(p_dedup_key) not between 1 and 512 then
        raise exception 'conveyor: dedup key must be 1 to 512 characters' using errcode = '22023';
    end if;
    return v_type;
end;
$$;
