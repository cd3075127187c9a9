-- conveyor.enqueue_batch
-- Adds many jobs in one set-based statement; p_jobs is a JSON array of job objects.
--
-- Each element: {"job_type": ..., "payload": {...}, "priority": n, "run_at": ts,
-- "delay_seconds": n, "dedup_key": ..., "max_attempts": n}; job_type may be left out
-- when p_job_type names the type for every element. Returns the ids of the new jobs
-- (a dedup key already held by a live job, or repeated in the batch, yields no new id).
-- The whole batch is checked before anything is written: one bad element refuses
-- the batch with its position. One NOTIFY per job type, never per job.
-- The rules for an element are stated once, in the check pass below; the due time's
-- rule is conveyor._due_at's, as for enqueue. The types' rows are locked for key
-- share first (see conveyor._check_job), so none can be deleted under the batch.
create or replace function conveyor.enqueue_batch(p_jobs jsonb, p_job_type text default null)
returns setof bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    c_options constant text[] := array['job_type', 'priority', 'run_at', 'delay_seconds', 'dedup_key', 'max_attempts'];
    v_ord bigint;
    v_type text;
    v_problem text;
    v_arg text;
    v_job jsonb;
    v_run_at timestamptz;
    v_delay interval;
    v_default conveyor.job_types;
begin
    if p_jobs is null or pg_catalog.jsonb_typeof(p_jobs) <> 'array' then
        raise exception 'conveyor: enqueue_batch expects a JSON array of jobs, got %',
            coalesce(pg_catalog.jsonb_typeof(p_jobs), 'NULL')
            using errcode = '22023';
    end if;
    if p_job_type is not null then
        perform conveyor._validate_name(p_job_type);
    end if;

    -- Fast path: a batch of bare payloads of p_job_type (no element gives any option)
    -- gets the type's defaults, is due now and has no dedup key. One cheap pass, then
    -- one insert, without the general path's check of every option, jsonb_to_record
    -- per element, join with job_types, and on conflict (a speculative insertion: one
    -- more WAL record per row; with no dedup key nothing can conflict). This is a
    -- shortcut, not a rule: any other batch, or a bad element, takes the general
    -- path, which says which element is refused and why. Tried only when the first
    -- element is bare, so a batch with options pays for no extra pass.
    if p_job_type is not null and pg_catalog.jsonb_array_length(p_jobs) > 0
       and not (p_jobs -> 0 ?| c_options) then
        select * into v_default from conveyor.job_types as t where t.name = p_job_type for key share;
        if found and not exists (
            select 1
            from pg_catalog.jsonb_array_elements(p_jobs) as e (job)
            where pg_catalog.jsonb_typeof(e.job -> 'payload') is distinct from 'object'
               or e.job ?| c_options
        ) then
            return query
            with ins as (
                insert into conveyor.jobs (job_type, payload, priority, run_at, max_attempts)
                select p_job_type, e.job -> 'payload', v_default.default_priority, pg_catalog.now(), v_default.max_attempts
                from pg_catalog.jsonb_array_elements(p_jobs) with ordinality as e (job, ord)
                order by e.ord
                returning conveyor.jobs.id
            )
            select ins.id from ins;
            perform conveyor._notify(p_job_type);
            return;
        end if;
    end if;

    -- Lock every type the batch names, in name order (two batches never deadlock).
    perform 1
    from conveyor.job_types as t
    where t.name = any(array(
        select coalesce(case when pg_catalog.jsonb_typeof(e.job) = 'object' then e.job ->> 'job_type' end, p_job_type)
        from pg_catalog.jsonb_array_elements(p_jobs) as e (job)
    ))
    order by t.name
    for key share;

    -- Check pass: the first element that would be refused, and why. Each rule is
    -- stated once, in this case; a later rule is only reached when the earlier ones
    -- hold (a fraction is tested only on a number, a range only on a whole number).
    select e.ord, x.job_type, x.problem
      into v_ord, v_type, v_problem
    from pg_catalog.jsonb_array_elements(p_jobs) with ordinality as e (job, ord)
    cross join lateral (
        select coalesce(case when pg_catalog.jsonb_typeof(e.job) = 'object' then e.job ->> 'job_type' end, p_job_type) as job_type
    ) as n
    left join conveyor.job_types as t on t.name = n.job_type
    cross join lateral (
        select n.job_type,
            case
                when pg_catalog.jsonb_typeof(e.job) <> 'object' then 'is not a JSON object'
                when n.job_type is null then 'has no job_type'
                when t.name is null then 'has an unknown job type'
                when pg_catalog.jsonb_typeof(e.job -> 'payload') is distinct from 'object' then 'has a payload that is not a JSON object'
                when e.job ? 'run_at' and e.job ? 'delay_seconds' then 'gives both run_at and delay_seconds'
                when pg_catalog.jsonb_typeof(e.job -> 'priority') not in ('number', 'null') then 'has a priority that is not a number'
                when (e.job ->> 'priority')::numeric % 1 <> 0 then 'has a priority that is not a whole number'
                when (e.job ->> 'priority')::numeric not between -32768 and 32767 then 'has a priority outside -32768..32767'
                when pg_catalog.jsonb_typeof(e.job -> 'max_attempts') not in ('number', 'null') then 'has max_attempts that is not a number'
                when (e.job ->> 'max_attempts')::numeric % 1 <> 0 then 'has max_attempts that is not a whole number'
                when (e.job ->> 'max_attempts')::numeric not between 1 and 1000 then 'has max_attempts outside 1..1000'
                when pg_catalog.length(e.job ->> 'dedup_key') not between 1 and 512 then 'has a dedup key not of 1 to 512 characters'
                when pg_catalog.jsonb_typeof(e.job -> 'delay_seconds') not in ('number', 'null') then 'has a delay_seconds that is not a number'
                when pg_catalog.jsonb_typeof(e.job -> 'run_at') not in ('string', 'null') then 'has a run_at that is not a timestamp string'
            end as problem
    ) as x
    where x.problem is not null
    order by e.ord
    limit 1;
    if v_ord is not null then
        -- An unknown name may not even be a name: the one rule for names says so first.
        -- RAISE refuses a null option, so the hint gets its own branch.
        if v_problem = 'has an unknown job type' then
            perform conveyor._validate_name(v_type);
            raise exception 'conveyor: job % of the batch % (job type %)', v_ord, v_problem, pg_catalog.quote_literal(v_type)
                using errcode = '22023',
                      hint = 'Register it first: select conveyor.register_job_type(' || pg_catalog.quote_literal(v_type) || ');';
        end if;
        raise exception 'conveyor: job % of the batch % (job type %)', v_ord, v_problem, coalesce(pg_catalog.quote_literal(v_type), 'none')
            using errcode = '22023';
    end if;

    -- The due time of the elements that give one, by conveyor._due_at's rule. One
    -- exception block for the whole loop (not one subtransaction per element): the
    -- element, and the argument being cast when a cast fails, are in v_ord and v_arg.
    begin
        for v_ord, v_job in
            select e.ord, e.job
            from pg_catalog.jsonb_array_elements(p_jobs) with ordinality as e (job, ord)
            where e.job ?| array['run_at', 'delay_seconds']
            order by e.ord
        loop
            v_arg := 'run_at';
            v_run_at := (v_job ->> 'run_at')::timestamptz;
            v_arg := 'delay_seconds';
            -- make_interval wraps around past 2^63 microseconds (about 9.2e12 s) instead of failing.
            if pg_catalog.abs((v_job ->> 'delay_seconds')::double precision) >= 9.2e12 then
                raise exception 'interval out of range';
            end if;
            v_delay := pg_catalog.make_interval(secs => (v_job ->> 'delay_seconds')::double precision);
            v_arg := null;
            perform conveyor._due_at(v_run_at, v_delay, 'run_at', 'delay_seconds');
        end loop;
    exception when others then
        if v_arg is null then
            raise exception 'conveyor: job % of the batch: %', v_ord, pg_catalog.regexp_replace(sqlerrm, '^conveyor: ', '')
                using errcode = '22023';
        end if;
        raise exception 'conveyor: job % of the batch has a bad %: %', v_ord, v_arg, pg_catalog.left(sqlerrm, 200)
            using errcode = '22023';
    end;

    -- Insert the whole batch in one statement.
    return query
    with ins as (
        insert into conveyor.jobs (job_type, payload, priority, run_at, max_attempts, dedup_key)
        select t.name, r.payload, coalesce(r.priority::smallint, t.default_priority),
               coalesce(r.run_at, pg_catalog.now() + pg_catalog.make_interval(secs => r.delay_seconds), pg_catalog.now()),
               coalesce(r.max_attempts::integer, t.max_attempts), r.dedup_key
        from pg_catalog.jsonb_array_elements(p_jobs) with ordinality as e (job, ord)
        cross join lateral pg_catalog.jsonb_to_record(e.job) as r (
            job_type text, payload jsonb, priority numeric, run_at timestamptz,
            delay_seconds double precision, dedup_key text, max_attempts numeric
        )
        join conveyor.job_types as t on t.name = coalesce(r.job_type, p_job_type)
        order by e.ord
        on conflict (job_type, dedup_key) where dedup_key is not null do nothing
        returning conveyor.jobs.id, conveyor.jobs.job_type, conveyor.jobs.run_at
    ), woken as (
        -- Evaluated once (an init plan), after the insert: one NOTIFY per type due now.
        select conveyor._notify(d.job_type)
        from (select distinct ins.job_type from ins where ins.run_at <= pg_catalog.now()) as d
    )
    select ins.id from ins
    where (select pg_catalog.count(*) from woken) >= 0;
end;
$$;
