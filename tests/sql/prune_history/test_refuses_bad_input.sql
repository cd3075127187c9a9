-- prune_history refuses a missing or negative cutoff and batch sizes below 1, instead of silently removing nothing.
begin;
select plan(6);

do $$
begin
    insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)
    select i, 'metric', 0, 1, now() - interval '30 days', now() - interval '30 days', now() - interval '20 days'
    from generate_series(1, 3) as i;
end $$;

select throws_ok($$ select conveyor.prune_history(null) $$, '22023', null, 'a null cutoff is refused');
select throws_ok(
    $$ select conveyor.prune_history(interval '-1 day') $$, '22023', null, 'a negative cutoff is refused'
);
select throws_ok(
    $$ select conveyor.prune_history(interval '7 days', p_batch_size => 0) $$, '22023', null, 'a batch size of 0 is refused'
);
select throws_ok(
    $$ select conveyor.prune_history(interval '7 days', p_batch_size => -1) $$, '22023', null, 'a negative batch size is refused'
);
select throws_ok(
    $$ select conveyor.prune_history(interval '7 days', p_max_batches => 0) $$, '22023', null, 'zero batches are refused'
);
select is((select count(*)::integer from conveyor.job_history), 3, 'no history was removed');

select * from finish();
rollback;
