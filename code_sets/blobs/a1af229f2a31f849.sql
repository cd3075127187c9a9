-- conveyor.enqueue
-- Adds one job and returns its id; with a dedup key already held by a live job, returns that job's id.
--
-- Runs in the caller's transaction, so the job commits or rolls back with the
-- caller's own writes. Idle workers are woken by NOTIFY when the job is due now.
create or replace function conveyor.enqueue(
    p_job_type text,
    p_payload jsonb default '{}',
    p_priority integer default null,
    p_run_at timestamptz default null,
    p_delay interval default null,
    p_dedup_key text default null,
    p_max_attempts integer default null
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_type conveyor.job_types;
    v_run_at timestamptz;
    v_id bigint;
begin
    perform conveyor._validate_name(p_job_type);
    select * into v_type from conveyor.job_types as t where t.name = p_job_type;
    if not found then
        raise exception 'conveyor: unknown job type %', pg_catalog.quote_literal(p_job_type)
            using errcode = '22023',
                  hint = 'Register it first: select conveyor.register_job_type(''' || p_job_type || ''');';
    end if;
    if p_payload is null or pg_catalog.jsonb_typeof(p_payload) <> 'object' then
        raise exception 'conveyor: payload of a % job must be a JSON object, got %',
            p_job_type, coalesce(pg_catalog.jsonb_typeof(p_payload), 'NULL')
            using errcode = '22023';
    end if;
    if p_run_at is not null and p_delay is not null then
        raise exception 'conveyor: give run_at or delay, not both' using errcode = '22023';
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

    v_run_at := coalesce(p_run_at, pg_catalog.now() + p_delay, pg_catalog.now());

    insert into conveyor.jobs (job_type, payload, priority, run_at, max_attempts, dedup_key)
    values (
        p_job_type, p_payload, coalesce(p_priority, v_type.default_priority), v_run_at,
        coalesce(p_max_attempts, v_type.max_attempts), p_dedup_key
    )
    on conflict (job_type, dedup_key) where dedup_key is not null do nothing
    returning id into v_id;

    if v_id is null then
        -- The key is held by a live job: hand back that job rather than a second one.
        select j.id into v_id
        from conveyor.jobs as j
        where j.job_type = p_job_type and j.dedup_key = p_dedup_key;
        return v_id;
    end if;

    if v_run_at <= pg_catalog.now() then
        perform conveyor._notify(p_job_type);
    end if;
    return v_id;
end;
$$;
