-- conveyor.enqueue_batch
-- Adds many jobs in one set-based statement; p_jobs is a JSON array of job objects.
--
-- Each element: {"job_type": ..., "payload": {...}, "priority": n, "run_at": ts,
-- "delay_seconds": n, "dedup_key": ..., "max_attempts": n}; job_type may be left out
-- when p_job_type names the type for every element. Returns the ids of the new jobs
-- (a dedup key already held by a live job, or repeated in the batch, yields no new id).
-- The whole batch is checked before anything is written: one bad element refuses
-- the batch with its position. One NOTIFY per job type, never per job.
create or replace function conveyor.enqueue_batch(p_jobs jsonb, p_job_type text default null)
returns setof bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_ord bigint;
    v_type text;
    v_problem text;
begin
    if p_jobs is null or pg_catalog.jsonb_typeof(p_jobs) <> 'array' then
        raise exception 'conveyor: enqueue_batch expects a JSON array of jobs, got %',
            coalesce(pg_catalog.jsonb_typeof(p_jobs), 'NULL')
            using errcode = '22023';
    end if;
    if p_job_type is not null then
        perform conveyor._validate_name(p_job_type);
    end if;

    -- First pass: find the first element that would be refused, and say why.
    select e.ord, x.job_type,
           case
               when pg_catalog.jsonb_typeof(e.job) <> 'object' then 'is not a JSON object'
               when x.job_type is null then 'has no job_type'
               when x.job_type !~ '^[a-z][a-z0-9_]{0,62}$' then 'has an invalid job type name'
               when t.name is null then 'has an unknown job type'
               when pg_catalog.jsonb_typeof(e.job -> 'payload') is distinct from 'object' then 'has a payload that is not a JSON object'
               when e.job ? 'run_at' and e.job ? 'delay_seconds' then 'gives both run_at and delay_seconds'
               when pg_catalog.jsonb_typeof(e.job -> 'priority') not in ('number', 'null')
                    or (e.job ->> 'priority')::numeric not between -32768 and 32767 then 'has a priority outside -32768..32767'
               when pg_catalog.jsonb_typeof(e.job -> 'max_attempts') not in ('number', 'null')
                    or (e.job ->> 'max_attempts')::numeric not between 1 and 1000 then 'has max_attempts outside 1..1000'
               when pg_catalog.length(e.job ->> 'dedup_key') not between 1 and 512 then 'has a dedup key not of 1 to 512 characters'
               when (e.job ->> 'priority')::numeric % 1 <> 0 then 'has a priority that is not a whole number'
               when (e.job ->> 'max_attempts')::numeric % 1 <> 0 then 'has max_attempts that is not a whole number'
               when pg_catalog.jsonb_typeof(e.job -> 'delay_seconds') not in ('number', 'null') then 'has a delay_seconds that is not a number'
               when pg_catalog.jsonb_typeof(e.job -> 'run_at') not in ('string', 'null') then 'has a run_at that is not a timestamp string'
           end
      into v_ord, v_type, v_problem
    from pg_catalog.jsonb_array_elements(p_jobs) with ordinality as e (job, ord)
    cross join lateral (
        select coalesce(case when pg_catalog.jsonb_typeof(e.job) = 'object' then e.job ->> 'job_type' end, p_job_type) as job_type
    ) as x
    left join conveyor.job_types as t on t.name = x.job_type
    where pg_catalog.jsonb_typeof(e.job) <> 'object'
       or t.name is null
       or pg_catalog.jsonb_typeof(e.job -> 'payload') is distinct from 'object'
       or (e.job ? 'run_at' and e.job ? 'delay_seconds')
       or pg_catalog.jsonb_typeof(e.job -> 'priority') not in ('number', 'null')
       or (e.job ->> 'priority')::numeric not between -32768 and 32767
       or pg_catalog.jsonb_typeof(e.job -> 'max_attempts') not in ('number', 'null')
       or (e.job ->> 'max_attempts')::numeric not between 1 and 1000
       or pg_catalog.length(e.job ->> 'dedup_key') not between 1 and 512
       -- Only reached for numbers (OR is evaluated left to right here): a fraction
       -- would otherwise fail later in the smallint/integer cast, without a position.
       or (e.job ->> 'priority')::numeric % 1 <> 0
       or (e.job ->> 'max_attempts')::numeric % 1 <> 0
       or pg_catalog.jsonb_typeof(e.job -> 'delay_seconds') not in ('number', 'null')
       or pg_catalog.jsonb_typeof(e.job -> 'run_at') not in ('string', 'null')
    order by e.ord
    limit 1;
    if v_ord is not null then
        if v_problem = 'has an invalid job type name' then
            perform conveyor._validate_name(v_type);
        end if;
        -- RAISE refuses a null option, so the hint gets its own branch.
        if v_problem = 'has an unknown job type' then
            raise exception 'conveyor: job % of the batch % (job type %)', v_ord, v_problem, pg_catalog.quote_literal(v_type)
                using errcode = '22023',
                      hint = 'Register it first: select conveyor.register_job_type(' || pg_catalog.quote_literal(v_type) || ');';
        end if;
        raise exception 'conveyor: job % of the batch % (job type %)', v_ord, v_problem, coalesce(pg_catalog.quote_literal(v_type), 'none')
            using errcode = '22023';
    end if;

    -- Second pass: insert the whole batch in one statement.
    return query
    with ins as (
        insert into conveyor.jobs (job_type, payload, priority, run_at, max_attempts, dedup_key)
        select t.name, r.payload, coalesce(r.priority, t.default_priority),
               coalesce(r.run_at, pg_catalog.now() + pg_catalog.make_interval(secs => r.delay_seconds), pg_catalog.now()),
               coalesce(r.max_attempts, t.max_attempts), r.dedup_key
        from pg_catalog.jsonb_array_elements(p_jobs) with ordinality as e (job, ord)
        cross join lateral pg_catalog.jsonb_to_record(e.job) as r (
            job_type text, payload jsonb, priority smallint, run_at timestamptz,
            delay_seconds double precision, dedup_key text, max_attempts integer
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
