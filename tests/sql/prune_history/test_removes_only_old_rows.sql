-- prune_history deletes only history older than the cutoff, in batches of p_batch_size, at most p_max_batches.
begin;
select plan(5);

-- 25 rows finished more than 8 days ago, 5 rows just inside the 7-day window.
do $$
begin
    insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
    select i, 'metric', 0, 1, now() - interval '30 days', now() - interval '30 days',
           now() - interval '8 days' - make_interval(mins => i)
    from generate_series(1, 25) as i;
    insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
    select 100 + i, 'metric', 0, 1, now() - interval '7 days', now() - interval '7 days',
           now() - interval '7 days' + make_interval(secs => i)
    from generate_series(1, 5) as i;
end $$;

select is(
    conveyor.prune_history(interval '7 days', p_batch_size => 10, p_max_batches => 2), 20::bigint,
    'two batches of ten remove twenty rows and stop'
);
select is(
    (select count(*)::integer from conveyor.job_history where finished_at < now() - interval '7 days'), 5,
    'five old rows are left for the next run'
);
select is(
    conveyor.prune_history(interval '7 days', p_batch_size => 10), 5::bigint, 'the next run removes the rest'
);
select bag_eq(
    $$ select id from conveyor.job_history $$, $$ select 100 + i from generate_series(1, 5) as i $$,
    'the rows newer than the cutoff are all kept'
);
select is(conveyor.prune_history(interval '7 days'), 0::bigint, 'with nothing old, nothing is removed');

select * from finish();
rollback;
