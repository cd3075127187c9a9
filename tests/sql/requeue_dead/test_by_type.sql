-- requeue_dead(type) puts back every dead job of that type (or at most p_limit, oldest first), and only those.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', format('{"n": %s}', i)::jsonb) from generate_series(1, 3) as i;
    perform conveyor.enqueue('alert', '{"n": 9}');
    perform conveyor.move_to_dead_letter(id) from conveyor.jobs;
    -- Give them distinct death times: n = 1 died first.
    update conveyor.dead_letters set died_at = now() - make_interval(mins => 10 - (payload ->> 'n')::integer);
end $$;

select is(conveyor.requeue_dead('metric', 1), 1, 'with a limit of 1, one job is requeued');
select results_eq(
    $$ select payload ->> 'n' from conveyor.jobs $$, $$ values ('1') $$, 'the one that died first'
);
select is(conveyor.requeue_dead('metric'), 2, 'without a limit, the rest of the type');
select results_eq(
    $$ select job_type, payload ->> 'n' from conveyor.dead_letters $$,
    $$ values ('alert', '9') $$,
    'the dead job of another type stays dead'
);
select throws_like(
    $$ select conveyor.requeue_dead('metric''; --') $$, '%invalid job type name%', 'a hostile type name is refused'
);

select * from finish();
rollback;
