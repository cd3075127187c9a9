-- prune_history drops the daily partitions that ended before the cutoff whole, and trims the rest by rows.
begin;
select plan(7);

-- As on a database partitioned long ago: the legacy partition is gone, days have their own.
do $$
declare
    v_day timestamptz;
begin
    alter table conveyor.job_history detach partition conveyor.job_history_legacy;
    drop table conveyor.job_history_legacy;
    for i in 0 .. 10 loop
        v_day := (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') - make_interval(days => i);
        execute format(
            'create table conveyor.%I partition of conveyor.job_history for values from (%L) to (%L)',
            'job_history_old' || i, v_day, v_day + interval '1 day'
        );
    end loop;
    -- Three rows a day, at noon UTC, for today and the ten days before.
    insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
    select d * 10 + k, 'metric', 0, 1, now() - interval '20 days', now() - interval '20 days',
           (date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') - make_interval(days => d) + interval '12 hours'
    from generate_series(1, 10) as d, generate_series(1, 3) as k;
end $$;

select is(
    (select count(*)::integer from conveyor._history_partitions() where partition_name like 'job_history_old%'), 11,
    'eleven daily partitions before pruning'
);
-- Cutoffs at fixed hours of day 5 (UTC), whatever the time of the run.
select is(
    conveyor.prune_history(
        now() - ((date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') - interval '5 days' + interval '6 hours')
    ),
    15::bigint,
    'a cutoff at 06:00 of day 5 removes the 15 rows of days 6 to 10 and none of day 5 (noon)'
);
select is(
    (select count(*)::integer from conveyor._history_partitions() where partition_name like 'job_history_old%'), 6,
    'the five partitions that ended before the cutoff are gone'
);
select ok(
    not exists (select 1 from conveyor._history_partitions() where partition_name in ('job_history_old6', 'job_history_old10')),
    'the oldest ones among them'
);
select is(
    (select count(*)::integer from conveyor.job_history), 15, 'the rows of days 1 to 5 are kept'
);
select is(
    conveyor.prune_history(
        now() - ((date_trunc('day', now() at time zone 'UTC') at time zone 'UTC') - interval '5 days' + interval '18 hours')
    ),
    3::bigint,
    'a cutoff at 18:00 of day 5 removes its three rows by rows (its partition ends after the cutoff)'
);
select ok(
    (
        select count(*) from conveyor._history_partitions()
        where lower_bound >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'
    ) >= 7,
    'and today''s and the coming days'' partitions exist'
);

select * from finish();
rollback;
