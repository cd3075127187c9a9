-- rescue_expired rescues at most p_limit jobs per call, the longest expired first.
begin;
select plan(3);

do $$
begin
    perform conveyor.enqueue('metric', format('{"n": %s}', i)::jsonb) from generate_series(1, 3) as i;
    perform count(*) from conveyor.claim_batch('w1', 3);
    update conveyor.jobs set locked_until = now() - make_interval(mins => (payload ->> 'n')::integer);
end $$;

select is(conveyor.rescue_expired(2), 2, 'two jobs are rescued');
select results_eq(
    $$ select payload ->> 'n' from conveyor.jobs where state = 'running' $$,
    $$ values ('1') $$,
    'the most recently expired one waits for the next call'
);
select is(conveyor.rescue_expired(2), 1, 'the next call rescues it');

select * from finish();
rollback;
