-- conveyor.register_job_type
-- Creates a job type or updates its policy; arguments left null keep their current (or default) value.
create or replace function conveyor.register_job_type(
    p_name text,
    p_max_attempts integer default null,
    p_backoff_base interval default null,
    p_backoff_cap interval default null,
    p_lease interval default null,
    p_default_priority integer default null,
    p_keep_history boolean default null,
    p_timeout interval default null,
    p_description text default null
)
returns conveyor.job_types
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_row conveyor.job_types;
    v_base interval;
    v_cap interval;
begin
    perform conveyor._validate_name(p_name);
    -- The table's check constraints hold these too; checking here gives a clear
    -- message (and a priority beyond smallint an error at all, not a cast failure).
    if p_max_attempts not between 1 and 1000 then
        raise exception 'conveyor: max_attempts % is out of range (1 to 1000)', p_max_attempts using errcode = '22023';
    end if;
    if p_default_priority not between -32768 and 32767 then
        raise exception 'conveyor: priority % is out of range (-32768 to 32767)', p_default_priority using errcode = '22023';
    end if;
    if p_lease not between interval '1 second' and interval '1 day' then
        raise exception 'conveyor: lease % is out of range (1 second to 1 day)', p_lease using errcode = '22023';
    end if;
    -- The backoff is checked as it will be stored: an argument left null keeps the
    -- current value, so a new base is compared with the current cap, and the reverse.
    select coalesce(p_backoff_base, t.backoff_base), coalesce(p_backoff_cap, t.backoff_cap)
      into v_base, v_cap
    from conveyor.job_types as t where t.name = p_name;
    v_base := coalesce(v_base, p_backoff_base, interval '2 seconds');
    v_cap := coalesce(v_cap, p_backoff_cap, interval '1 hour');
    if v_base <= interval '0' or v_base > interval '50 years' then
        raise exception 'conveyor: backoff_base % is out of range (positive, at most 50 years)', v_base using errcode = '22023';
    end if;
    if v_cap < v_base or v_cap > interval '50 years' then
        raise exception 'conveyor: backoff_cap % is out of range (at least backoff_base %, at most 50 years)', v_cap, v_base
            using errcode = '22023';
    end if;
    if p_timeout <= interval '0' then
        raise exception 'conveyor: timeout must be positive, got %', p_timeout using errcode = '22023';
    end if;
    insert into conveyor.job_types as t (
        name, max_attempts, backoff_base, backoff_cap, lease, default_priority,
        keep_history, timeout, description
    )
    values (
        p_name,
        coalesce(p_max_attempts, 5),
        v_base,
        v_cap,
        coalesce(p_lease, interval '30 seconds'),
        coalesce(p_default_priority, 0),
        coalesce(p_keep_history, true),
        p_timeout,
        p_description
    )
    on conflict (name) do update set
        max_attempts = coalesce(p_max_attempts, t.max_attempts),
        backoff_base = v_base,
        backoff_cap = v_cap,
        lease = coalesce(p_lease, t.lease),
        default_priority = coalesce(p_default_priority, t.default_priority),
        keep_history = coalesce(p_keep_history, t.keep_history),
        timeout = coalesce(p_timeout, t.timeout),
        description = coalesce(p_description, t.description)
    returning * into v_row;
    return v_row;
end;
$$;
