-- conveyor.dispatch
-- Sends work of a job type where the routing table and the execution mode say; returns jsonb saying where it went.
--
-- The one entry point for pg_cron, triggers, the runner and any client: the
-- decision is made here, in the caller's transaction, so the work commits or rolls
-- back with the caller's writes, Inngest-bound work included (it goes to the outbox).
-- Every unit of work gets a job id from conveyor.jobs' sequence, whichever executor
-- runs it. Priority, dedup key and max_attempts are the jobs table's: pgmq messages
-- are read oldest first and dead-lettered after 3 reads; Inngest retries per function.
-- A delay is honoured by every destination (pgmq: whole seconds).
-- The outbox row's reason says why Inngest runs the work: 'primary' when Inngest is
-- the executor for it (Inngest primary, or a route to inngest), 'fallback' when
-- fallback mode sends it there because no live worker handles the type.
create or replace function conveyor.dispatch(
    p_job_type text,
    p_payload jsonb default '{}',
    p_priority integer default null,
    p_run_at timestamptz default null,
    p_delay interval default null,
    p_dedup_key text default null,
    p_max_attempts integer default null
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
    v_route record;
    v_job_id bigint;
    v_msg_id bigint;
    v_outbox bigint;
    v_reason text;
    v_run_at timestamptz;
    v_result jsonb;
begin
    perform conveyor._check_job(p_job_type, p_payload, p_priority, p_run_at, p_delay, p_dedup_key, p_max_attempts);
    -- _check_job has checked a given run_at or delay; the common call (due now) skips
    -- _due_at and its search_path save and restore, as enqueue does.
    v_run_at := case
        when p_run_at is null and p_delay is null then pg_catalog.now()
        else conveyor._due_at(p_run_at, p_delay)
    end;

    v_route := conveyor._resolve_route(p_job_type);

    if v_route.destination = 'jobs' then
        v_job_id := conveyor.enqueue(
            p_job_type, p_payload, p_priority, p_run_at, p_delay, p_dedup_key, p_max_attempts
        );
        v_result := pg_catalog.jsonb_build_object('destination', 'jobs', 'job_id', v_job_id);
    elsif v_route.destination = 'pgmq' then
        -- A queue dropped behind the route's back: say so, rather than pgmq's 42P01.
        if not exists (select 1 from pgmq.meta as m where m.queue_name = v_route.queue_name) then
            raise exception 'conveyor: job type % is routed to pgmq queue %, which does not exist',
                pg_catalog.quote_literal(p_job_type), pg_catalog.quote_literal(v_route.queue_name)
                using errcode = '22023',
                      hint = 'Create it again with select conveyor.ensure_pgmq_queues(); or route the type elsewhere.';
        end if;
        v_job_id := pg_catalog.nextval('conveyor.jobs_id_seq'::regclass);
        select s.msg_id into v_msg_id
        from pgmq.send(
            v_route.queue_name,
            pg_catalog.jsonb_build_object('job_id', v_job_id, 'job_type', p_job_type, 'payload', p_payload),
            greatest(0, pg_catalog.ceil(extract(epoch from v_run_at - pg_catalog.now())))::integer
        ) as s (msg_id);
        v_result := pg_catalog.jsonb_build_object(
            'destination', 'pgmq', 'queue', v_route.queue_name, 'job_id', v_job_id, 'msg_id', v_msg_id
        );
    else
        -- With Postgres primary, work not routed to inngest reaches Inngest only through
        -- the fallback rule of conveyor._resolve_route (no live worker for the type).
        v_reason := case
            when (conveyor._execution_flags()).primary_executor = 'postgres'
                and not exists (
                    select 1 from conveyor.routes as r
                    where r.job_type = p_job_type and r.destination = 'inngest'
                )
                then 'fallback'
            else 'primary'
        end;
        v_job_id := pg_catalog.nextval('conveyor.jobs_id_seq'::regclass);
        v_outbox := conveyor._outbox_add(v_job_id, p_job_type, p_payload, v_reason, v_run_at);
        v_result := pg_catalog.jsonb_build_object(
            'destination', 'inngest', 'job_id', v_job_id, 'outbox_id', v_outbox
        );
    end if;

    if v_route.copy_to_inngest then
        v_outbox := conveyor._outbox_add(v_job_id, p_job_type, p_payload, 'dual_run', v_run_at);
        v_result := v_result || pg_catalog.jsonb_build_object('dual_run_outbox_id', v_outbox);
    end if;
    if v_route.note is not null then
        v_result := v_result || pg_catalog.jsonb_build_object('note', v_route.note);
    end if;
    return v_result;
end;
$$;
