-- conveyor._due_at
-- When a job given p_run_at or p_delay is due (now when neither); raises 22023 naming the argument otherwise.
--
-- The one rule for a job's due time, used by enqueue, enqueue_batch, dispatch and
-- fail_job: a finite time at most 50 years from now either way. ±infinity would
-- make every view that subtracts run_at from now() fail; a time beyond the
-- timestamp range fails in the addition; and pgmq takes a delay in int4 seconds
-- (68 years at most). p_run_at_arg and p_delay_arg name the caller's arguments.
create or replace function conveyor._due_at(
    p_run_at timestamptz,
    p_delay interval,
    p_run_at_arg text default 'run_at',
    p_delay_arg text default 'delay'
)
returns timestamptz
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
    c_horizon constant interval := interval '50 years';
begin
    if p_run_at is not null and p_delay is not null then
        raise exception 'conveyor: give % or %, not both', p_run_at_arg, p_delay_arg using errcode = '22023';
    end if;
    if p_run_at is not null then
        if not pg_catalog.isfinite(p_run_at)
           or p_run_at not between pg_catalog.now() - c_horizon and pg_catalog.now() + c_horizon then
            raise exception 'conveyor: % % is out of range (a finite time within 50 years of now)', p_run_at_arg, p_run_at
                using errcode = '22023';
        end if;
        return p_run_at;
    end if;
    if p_delay is not null then
        if not pg_catalog.isfinite(p_delay) or p_delay not between -c_horizon and c_horizon then
            raise exception 'conveyor: % % is out of range (at most 50 years either way)', p_delay_arg, p_delay
                using errcode = '22023';
        end if;
        return pg_catalog.now() + p_delay;
    end if;
    return pg_catalog.now();
end;
$$;
