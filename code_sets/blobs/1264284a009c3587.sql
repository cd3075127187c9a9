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
set search_path = ''
as $$
declare
    v_row conveyor.job_types;
begin
    perform conveyor._validate_name(p_name);
    insert into conveyor.job_types as t (
        name, max_attempts, backoff_base, backoff_cap, lease, default_priority,
        keep_history, timeout, description
    )
    values (
        p_name,
        coalesce(p_max_attempts, 5),
        coalesce(p_backoff_base, interval '2 seconds'),
        coalesce(p_backoff_cap, interval '1 hour'),
        coalesce(p_lease, interval '30 seconds'),
        coalesce(p_default_priority, 0),
        coalesce(p_keep_history, true),
        p_timeout,
        p_description
    )
    on conflict (name) do update set
        max_attempts = coalesce(p_max_attempts, t.max_attempts),
        backoff_base = coalesce(p_backoff_base, t.backoff_base),
        backoff_cap = coalesce(p_backoff_cap, t.backoff_cap),
        lease = coalesce(p_lease, t.lease),
        default_priority = coalesce(p_default_priority, t.default_priority),
        keep_history = coalesce(p_keep_history, t.keep_history),
        timeout = coalesce(p_timeout, t.timeout),
        description = coalesce(p_description, t.description)
    returning * into v_row;
    return v_row;
end;
$$;
