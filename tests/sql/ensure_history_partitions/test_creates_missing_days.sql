-- ensure_history_partitions creates missing days, each with RLS, and leaves a day whose rows went to the default.
begin;
select plan(7);

create temp table days as
select
    i as n,
    'job_history_p' || to_char(d at time zone 'UTC', 'YYYYMMDD') as name,
    d as day_start
from (
    select
        g as i,
        (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') + make_interval(days => g) as d
    from generate_series(0, 7) as g
) as x;

-- Days 3 and 5 lost their partitions; a row of day 5 then went to the default one.
do $$
begin
    execute format('drop table conveyor.%I', (select name from days where n = 3));
    execute format('drop table conveyor.%I', (select name from days where n = 5));
    insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
    values (1, 'metric', 0, 1, now(), now(), (select day_start from days where n = 5) + interval '1 hour');
end $$;

select is(conveyor.ensure_history_partitions(), 1, 'one day is created: day 3');
select ok(
    exists (select 1 from conveyor._history_partitions() where partition_name = (select name from days where n = 3)),
    'day 3 has its partition again'
);
select ok(
    not exists (select 1 from conveyor._history_partitions() where partition_name = (select name from days where n = 5)),
    'day 5, whose row is in the default partition, is left alone'
);
select is((select count(*)::integer from conveyor.job_history_default), 1, 'and its row stays there');
select ok(
    (select relrowsecurity from pg_class where oid = ('conveyor.' || (select name from days where n = 3))::regclass),
    'the new partition has row level security'
);
select is(conveyor.ensure_history_partitions(), 0, 'a second run creates nothing');
select throws_ok($$ select conveyor.ensure_history_partitions(-1) $$, '22023', null, 'a negative horizon is refused');

select * from finish();
rollback;
