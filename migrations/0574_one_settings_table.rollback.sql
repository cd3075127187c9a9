-- Undo 0574_one_settings_table: the one-row execution_settings table again, from the settings rows.
create table conveyor.execution_settings (
    id boolean primary key default true,
    primary_executor text not null default 'postgres',
    inngest_fallback boolean not null default false,
    dual_run boolean not null default false,
    unhealthy_after interval not null default interval '60 seconds',
    updated_at timestamptz not null default now(),
    constraint execution_settings_single_row check (id),
    constraint execution_settings_primary_executor_known check (primary_executor in ('postgres', 'inngest')),
    constraint execution_settings_unhealthy_after_positive check (unhealthy_after > interval '0')
);

alter table conveyor.execution_settings enable row level security;
revoke all on conveyor.execution_settings from public;

insert into conveyor.execution_settings (id, primary_executor, inngest_fallback, dual_run, unhealthy_after, updated_at)
select
    true as id,
    coalesce(max(s.value) filter (where s.name = 'primary_executor'), 'postgres') as primary_executor,
    coalesce(bool_or(s.value::boolean) filter (where s.name = 'inngest_fallback'), false) as inngest_fallback,
    coalesce(bool_or(s.value::boolean) filter (where s.name = 'dual_run'), false) as dual_run,
    coalesce(max(s.value::interval) filter (where s.name = 'health_worker_stale_after'), interval '60 seconds')
        as unhealthy_after,
    coalesce(max(s.updated_at) filter (where s.name in ('primary_executor', 'inngest_fallback', 'dual_run')), now())
        as updated_at
from conveyor.settings as s
where s.name in ('primary_executor', 'inngest_fallback', 'dual_run', 'health_worker_stale_after');

delete from conveyor.settings where name in ('primary_executor', 'inngest_fallback', 'dual_run');

update conveyor.settings
set description = 'a worker whose last heartbeat is older than this is not live'
where name = 'health_worker_stale_after';

alter table conveyor.settings
drop constraint settings_choices_only_for_choice,
drop constraint settings_kind_known,
drop column choices,
add constraint settings_kind_known check (kind in ('count', 'interval'));
