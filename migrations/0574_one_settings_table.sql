-- One settings table, one definition of a live worker.
--
-- The execution mode's one-row table conveyor.execution_settings becomes three rows
-- of conveyor.settings (primary_executor, inngest_fallback, dual_run), keeping their
-- values; conveyor.set_execution_mode still changes them, through set_setting's checks.
-- Its unhealthy_after (how long a silent worker still counts for fallback routing) and
-- health_worker_stale_after (the same, for worker_health) and job_status' hard-coded
-- minute were three definitions of a live worker: health_worker_stale_after is now the
-- only one. Where an operator had changed unhealthy_after but not the stale setting,
-- that value is kept.
-- depends: 0573_identifier_domains

alter table conveyor.settings
drop constraint settings_kind_known,
add column choices text[],
add constraint settings_kind_known check (kind in ('count', 'interval', 'boolean', 'choice')),
add constraint settings_choices_only_for_choice check ((kind = 'choice') = (choices is not null));

insert into conveyor.settings (name, value, description, kind, choices, updated_at)
select
    v.name,
    v.value,
    v.description,
    v.kind,
    v.choices,
    e.updated_at
from conveyor.execution_settings as e
cross join
    lateral (
        values
        (
            'primary_executor', e.primary_executor,
            'which executor runs jobs-table work: postgres, or inngest (conveyor.set_execution_mode)',
            'choice', array['postgres', 'inngest']
        ),
        (
            'inngest_fallback', e.inngest_fallback::text,
            'Postgres first; Inngest takes work no live worker handles, and jobs that exhaust their attempts',
            'boolean', null
        ),
        (
            'dual_run', e.dual_run::text,
            'Postgres and Inngest both run the work (Inngest gets a copy through the outbox)',
            'boolean', null
        )
    ) as v (name, value, description, kind, choices)
where e.id
on conflict (name) do nothing;

-- A fresh database has the row; one whose row was deleted by hand gets the defaults.
insert into conveyor.settings (name, value, description, kind, choices)
values
(
    'primary_executor', 'postgres',
    'which executor runs jobs-table work: postgres, or inngest (conveyor.set_execution_mode)',
    'choice', array['postgres', 'inngest']
),
(
    'inngest_fallback', 'false',
    'Postgres first; Inngest takes work no live worker handles, and jobs that exhaust their attempts',
    'boolean', null
),
(
    'dual_run', 'false',
    'Postgres and Inngest both run the work (Inngest gets a copy through the outbox)',
    'boolean', null
)
on conflict (name) do nothing;

update conveyor.settings as s
set
    value = e.unhealthy_after::text,
    updated_at = e.updated_at
from conveyor.execution_settings as e
where
    s.name = 'health_worker_stale_after'
    and e.id
    and e.unhealthy_after <> interval '60 seconds'
    and s.value::interval = interval '1 minute';

update conveyor.settings
set
    description = 'a worker whose last heartbeat is older than this is not live: '
    || 'job_status, worker_health and fallback routing all use it'
where name = 'health_worker_stale_after';

drop table conveyor.execution_settings;
