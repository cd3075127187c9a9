-- conveyor.claim_batch
-- Leases up to p_batch_size due jobs to p_worker: highest priority first, then oldest due; p_fair shares the batch across job types.
--
-- for update skip locked lets any number of workers claim at once without waiting on
-- each other. Each claimed job gets a fresh lease token; complete_job, fail_job and
-- extend_lease accept only that token, so a worker whose lease expired is fenced off.
-- Expired leases are rescued first (a cheap index probe when there are none).
-- claimed_at is the database clock at claim: locked_until - claimed_at is the lease
-- length, so a runner can time its heartbeats without trusting its own clock. Both
-- are clock_timestamp(), not now(): inside a transaction that began long ago, now()
-- is its start, and a lease measured from it would already have run out.
-- PL/pgSQL rather than language sql: a sql function with a set clause is planned on
-- every call, while PL/pgSQL caches the plan (about 4x faster here).
--
-- Flat at scale (docs/architecture.md, "The hot path"):
-- * Each job type is read through its own range of jobs_job_type_priority_run_at_id_idx
--   (job_type, -priority, run_at, id), so a backlog of other types costs nothing,
--   whatever its priority. p_job_types null means every registered type.
-- * The claim remembers, in this session, the last key it claimed per type (the
--   setting conveyor.claim_state) and starts the next claim there: the consumed head
--   of the index, full of dead row versions that a held snapshot keeps vacuum from
--   removing, is not walked again. Higher priorities than the remembered one are
--   always read from their start, so a new urgent job is never passed over.
-- * A job can become due behind that point (an enqueue whose transaction began
--   earlier and committed later, an explicit run_at in the past, a row left by a
--   rolled-back claim). Deeper claims find such stragglers: at least once a second
--   from the floor (where the previous deep claim found its first job), when a claim
--   from the hint falls short, and from the very start of each range whenever a claim
--   finds nothing and at least every 10 s (a job behind the floor: enqueued early in a
--   transaction that committed late, under a backlog that never runs dry). Deep claims that grow expensive (a held snapshot) are spaced to
--   about 5 % of the time. The hint is only a hint: losing it (a new session, a
--   pooler handing the session to another client) costs one full claim, never a job.
-- * The expired-lease probe is spaced the same way once it becomes expensive.
-- * p_fair (default false: strict priority order across types) takes the batch round
--   robin across the types: each type's first due job, then each one's second, and so
--   on (priority, then due time, within a round), so a flood of one type cannot starve
--   another's trickle when one worker serves both.
create or replace function conveyor.claim_batch(
    p_worker text,
    p_batch_size integer default 25,
    p_job_types text[] default null,
    p_lease interval default null,
    p_fair boolean default false
)
returns table (
    id bigint,
    job_type text,
    payload jsonb,
    priority smallint,
    attempt integer,
    max_attempts integer,
    lease_token uuid,
    locked_until timestamptz,
    created_at timestamptz,
    run_at timestamptz,
    claimed_at timestamptz,
    timeout interval
)
language plpgsql
volatile
security invoker
set search_path = ''
-- One generic plan per statement, made once per session: the selection below is too
-- rich to re-plan on every call (PL/pgSQL would, its estimates varying with the
-- arguments), and it must walk its index in order whatever the statistics said when
-- the plan was made (an empty table at a worker's start must not leave a plan that
-- sorts a million rows later): no bitmap scan (it loses the index order) and a
-- sequential scan only when nothing else can answer.
set plan_cache_mode = force_generic_plan
set enable_bitmapscan = off
set enable_seqscan = off
-- The generic plan's estimates grow with the table (a LIMIT of a parameter is taken
-- as a tenth of the rows), and past jit_above_cost Postgres would compile the query
-- on every call: 20-40 ms for a claim that runs in half a millisecond, measured
-- with a million jobs waiting.
set jit = off
as $$
declare
    -- A full claim or an expired-lease probe that took c seconds waits 20 c before the
    -- next one (about 5 % of the time) unless it took under 5 ms (the common case: then
    -- it may repeat at once). Spacing applies only between transactions, never within
    -- one, so a transaction that claims several times (every pgTAP test) always gets
    -- the exact behaviour; a session's first measurement (which includes planning)
    -- counts as cheap. A full claim is forced at least once a second.
    c_spacing constant double precision := 20;
    c_cheap constant double precision := 0.005;
    c_force_after constant double precision := 1.0;
    -- A claim from the very start of each range at least this often (spaced by its cost
    -- like the others): a job due behind the floor, such as one enqueued early in a
    -- long transaction that committed late, is not left until the backlog runs dry.
    c_full_after constant double precision := 10.0;
    v_state jsonb;
    v_hints jsonb;
    v_types text[];
    v_now double precision := extract(epoch from pg_catalog.clock_timestamp());
    v_xact double precision := extract(epoch from pg_catalog.now());
    v_started double precision;
    v_mode text;
    v_start jsonb;
    v_floors jsonb;
    v_ids bigint[];
    v_last jsonb;
    v_first jsonb;
    v_count integer;
    v_clock timestamptz;
begin
    if p_worker is null or pg_catalog.length(p_worker) not between 1 and 200 then
        raise exception 'conveyor: claim_batch needs a worker name of 1 to 200 characters' using errcode = '22023';
    end if;
    if p_batch_size is null or p_batch_size not between 1 and 10000 then
        raise exception 'conveyor: batch size % is out of range (1 to 10000)', p_batch_size using errcode = '22023';
    end if;
    if p_lease is not null and p_lease not between interval '1 second' and interval '1 day' then
        raise exception 'conveyor: lease % is out of range (1 second to 1 day)', p_lease using errcode = '22023';
    end if;

    -- This session's state: {"hints": {type: [-priority, run_at, id]}, and for "full" and
    -- "rescue": "<what>_at" (clock), "<what>_xact" (its transaction's start), "<what>_cost" (s)}.
    v_state := coalesce(nullif(pg_catalog.current_setting('conveyor.claim_state', true), '')::jsonb, '{}');
    v_hints := coalesce(v_state -> 'hints', '{}');
    v_floors := coalesce(v_state -> 'floors', '{}');

    if (v_state ->> 'rescue_cost') is null
       or (v_state ->> 'rescue_xact')::double precision = v_xact
       or (v_state ->> 'rescue_cost')::double precision < c_cheap
       or v_now - (v_state ->> 'rescue_at')::double precision >= c_spacing * (v_state ->> 'rescue_cost')::double precision then
        if exists (
            select 1 from conveyor.jobs as j
            where j.state = 'running' and j.locked_until < pg_catalog.now()
        ) then
            perform conveyor.rescue_expired(1000);
        end if;
        v_state := v_state || pg_catalog.jsonb_build_object(
            'rescue_at', v_now,
            'rescue_xact', v_xact,
            'rescue_cost', case when v_state ? 'rescue_cost'
                                then extract(epoch from pg_catalog.clock_timestamp()) - v_now else 0 end
        );
    end if;

    if p_job_types is null then
        v_types := array(select t.name from conveyor.job_types as t order by t.name);
    else
        v_types := array(select distinct u.name from pg_catalog.unnest(p_job_types) as u (name) where u.name is not null);
    end if;

    -- Which start points this claim uses, per type: 'hint' (where this session's last
    -- claim stopped), 'floor' (where its last deep claim found the first job: about a
    -- second back), or 'full' (the start of each range). Within one transaction every
    -- claim is full: it must see what the transaction itself requeued (tests, scripts).
    if v_hints = '{}' or (v_state ->> 'claim_xact')::double precision = v_xact then
        v_mode := 'full';
    elsif v_now - coalesce((v_state ->> 'full_at')::double precision, 0)
          >= greatest(c_full_after, c_spacing * coalesce((v_state ->> 'full_cost')::double precision, 0)) then
        v_mode := 'full';
    elsif v_now - coalesce((v_state ->> 'deep_at')::double precision, 0)
          >= greatest(c_force_after, c_spacing * coalesce((v_state ->> 'deep_cost')::double precision, 0)) then
        v_mode := 'floor';
    else
        v_mode := 'hint';
    end if;

    loop
        v_started := extract(epoch from pg_catalog.clock_timestamp());
        v_start := case v_mode when 'hint' then v_hints when 'floor' then v_floors else '{}' end;
        -- Per type, one range from the start when the type has no start point; else
        -- two: the higher priorities from their start, and everything after the start
        -- point. Each range is one descent of the index. The ids feed an array, not a
        -- join, for the update below (joined as a CTE the planner guesses its size and
        -- may hash-join the whole table; = any(array) probes the primary key once per job).
        with candidates as (
            select x.id, x.job_type, x.negp, x.run_at,
                   pg_catalog.row_number() over (partition by x.job_type order by x.negp, x.run_at, x.id) as rn
            from pg_catalog.unnest(v_types) as tt (name)
            cross join lateral (
                select -2147483648 as lo_n, '-infinity'::timestamptz as lo_r, 0::bigint as lo_i,
                       coalesce((v_start -> tt.name ->> 0)::integer, 2147483647) as hi_n
                union all
                select (v_start -> tt.name ->> 0)::integer, (v_start -> tt.name ->> 1)::timestamptz,
                       (v_start -> tt.name ->> 2)::bigint, 2147483647
                where v_start ? tt.name
            ) as r
            cross join lateral (
                select q.id, q.job_type, -(q.priority::integer) as negp, q.run_at
                from conveyor.jobs as q
                where q.state = 'queued'
                  and q.job_type = tt.name
                  and (-(q.priority::integer), q.run_at, q.id) > (r.lo_n, r.lo_r, r.lo_i)
                  and -(q.priority::integer) < r.hi_n
                  and q.run_at <= pg_catalog.now()
                order by -(q.priority::integer), q.run_at, q.id
                limit p_batch_size
                for update skip locked
            ) as x
        ), picked as (
            select c.id, c.job_type, c.negp, c.run_at
            from candidates as c
            order by case when p_fair then c.rn else 0 end, c.negp, c.run_at, c.id
            limit p_batch_size
        ), per_type as (
            select k.job_type,
                   (pg_catalog.array_agg(pg_catalog.jsonb_build_array(k.negp, k.run_at, k.id)
                                         order by k.negp desc, k.run_at desc, k.id desc))[1] as last_key,
                   (pg_catalog.array_agg(pg_catalog.jsonb_build_array(k.negp, k.run_at, k.id)
                                         order by k.negp, k.run_at, k.id))[1] as first_key
            from (
                select p.job_type, p.negp, p.run_at, p.id from picked as p
                union all
                -- From a hint, the hint only moves forward (a higher priority claimed from
                -- its start does not pull it back); a deeper claim resets it.
                select h.key, (h.value ->> 0)::integer, (h.value ->> 1)::timestamptz, (h.value ->> 2)::bigint
                from pg_catalog.jsonb_each(v_start) as h
                where v_mode = 'hint' and h.key in (select p.job_type from picked as p)
            ) as k
            group by k.job_type
        )
        select (select pg_catalog.array_agg(p.id) from picked as p),
               (select pg_catalog.jsonb_object_agg(t.job_type, t.last_key) from per_type as t),
               (select pg_catalog.jsonb_object_agg(t.job_type, t.first_key) from per_type as t)
          into v_ids, v_last, v_first;
        v_count := coalesce(pg_catalog.cardinality(v_ids), 0);
        v_hints := v_hints || coalesce(v_last, '{}');
        if v_mode <> 'hint' then
            v_floors := v_floors || coalesce(v_first, '{}');
            v_state := v_state || pg_catalog.jsonb_build_object(
                'deep_at', v_now,
                'deep_xact', v_xact,
                'deep_cost', case when v_state ? 'deep_cost'
                                  then extract(epoch from pg_catalog.clock_timestamp()) - v_started else 0 end
            );
        end if;
        if v_mode = 'full' then
            v_state := v_state || pg_catalog.jsonb_build_object(
                'full_at', v_now,
                'full_cost', case when v_state ? 'full_cost'
                                  then extract(epoch from pg_catalog.clock_timestamp()) - v_started else 0 end
            );
        end if;
        exit when v_mode = 'full' or v_count >= p_batch_size;
        if v_count = 0 then
            -- Nothing after the start points: look from the very start (stragglers).
            v_mode := 'full';
        else
            -- Short: look from the floors for stragglers of the last second, unless deep
            -- claims are expensive and one ran lately.
            exit when v_mode = 'floor'
                or ((v_state ->> 'deep_xact')::double precision is distinct from v_xact
                    and coalesce((v_state ->> 'deep_cost')::double precision, 0) >= c_cheap
                    and v_now - coalesce((v_state ->> 'deep_at')::double precision, 0)
                        < c_spacing * (v_state ->> 'deep_cost')::double precision);
            v_mode := 'floor';
        end if;
        -- The next pass claims the whole batch again: rows this pass locked are ours
        -- already (a lock we hold is not skipped), and any it does not take again are
        -- released when the claim commits.
    end loop;

    perform pg_catalog.set_config(
        'conveyor.claim_state',
        (v_state || pg_catalog.jsonb_build_object('hints', v_hints, 'floors', v_floors, 'claim_xact', v_xact))::text,
        false
    );
    if v_ids is null then
        return;
    end if;

    v_clock := pg_catalog.clock_timestamp();

    return query
    with claimed as (
        update conveyor.jobs as j
        set state = 'running',
            attempts = j.attempts + 1,
            lease_token = pg_catalog.gen_random_uuid(),
            locked_by = p_worker,
            locked_until = v_clock + coalesce(p_lease, t.lease),
            started_at = v_clock
        from conveyor.job_types as t
        where j.id = any(v_ids)
        and t.name = j.job_type
        returning j.id, j.job_type, j.payload, j.priority, j.attempts, j.max_attempts,
                  j.lease_token, j.locked_until, j.created_at, j.run_at, j.started_at, t.timeout
    )
    select * from claimed
    order by claimed.priority desc, claimed.run_at, claimed.id;
end;
$$;
