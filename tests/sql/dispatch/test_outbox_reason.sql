-- The outbox row dispatch writes says why Inngest runs the work: primary, fallback (no live worker) or dual_run.
begin;
select plan(5);

create temp table sent (
    n integer generated always as identity,
    label text,
    result jsonb
) on commit drop;

-- Fallback mode, no live worker for calendar_sync: Inngest takes it as the fallback.
do $$ begin perform conveyor.set_execution_mode('postgres', true, false); end $$;
insert into sent (label, result) values ('no worker', conveyor.dispatch('calendar_sync', '{"n": 1}'));

-- Fallback mode with a live worker: Postgres runs it, nothing for Inngest.
do $$ begin perform conveyor.worker_heartbeat('w1', array['calendar_sync']); end $$;
insert into sent (label, result) values ('live worker', conveyor.dispatch('calendar_sync', '{"n": 2}'));

-- Fallback mode, a type routed to Inngest: Inngest is its executor, not a fallback.
do $$ begin perform conveyor.set_route('risk_check', 'inngest'); end $$;
insert into sent (label, result) values ('routed', conveyor.dispatch('risk_check', '{}'));

-- Inngest primary: jobs-table work goes to Inngest as its primary executor.
do $$ begin perform conveyor.set_execution_mode('inngest'); end $$;
insert into sent (label, result) values ('inngest primary', conveyor.dispatch('calendar_sync', '{"n": 3}'));

-- Dual run: the jobs table runs it and Inngest gets a copy; an inngest route stays primary.
do $$ begin perform conveyor.set_execution_mode('postgres', false, true); end $$;
insert into sent (label, result) values ('dual', conveyor.dispatch('calendar_sync', '{"n": 4}'));
insert into sent (label, result) values ('dual routed', conveyor.dispatch('risk_check', '{}'));

select results_eq(
    $$ select s.label, s.result ->> 'destination' from sent as s order by s.n $$,
    $$ values ('no worker', 'inngest'), ('live worker', 'jobs'), ('routed', 'inngest'),
              ('inngest primary', 'inngest'), ('dual', 'jobs'), ('dual routed', 'inngest') $$,
    'each dispatch went where the mode says'
);
select results_eq(
    $$ select s.label, o.reason from sent as s
       join conveyor.inngest_outbox as o on o.id = (s.result ->> 'outbox_id')::bigint
       order by s.n $$,
    $$ values ('no worker', 'fallback'), ('routed', 'primary'), ('inngest primary', 'primary'), ('dual routed', 'primary') $$,
    'fallback only when no live worker handles the type; primary when Inngest is the executor'
);
select is(
    (
        select o.reason
        from sent as s
        inner join conveyor.inngest_outbox as o on o.id = (s.result ->> 'dual_run_outbox_id')::bigint
        where s.label = 'dual'
    ),
    'dual_run', 'the dual-run copy of jobs-table work is dual_run'
);
select results_eq(
    $$ select o.event_id from sent as s
       join conveyor.inngest_outbox as o on o.id = (s.result ->> 'outbox_id')::bigint
       where s.label in ('no worker', 'inngest primary') order by s.n $$,
    $$ select 'conveyor-' || (s.result ->> 'job_id') || case s.label when 'no worker' then '-fallback' else '' end
       from sent as s where s.label in ('no worker', 'inngest primary') order by s.n $$,
    'a fallback event id carries the -fallback suffix; a primary one is the job id'
);
select is((select count(*)::integer from conveyor.inngest_outbox), 5, 'one outbox row per Inngest-bound dispatch or copy');

select * from finish();
rollback;
