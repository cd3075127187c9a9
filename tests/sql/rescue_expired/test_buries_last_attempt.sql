-- rescue_expired buries a job whose expired lease was its last attempt, with every error.
begin;
select plan(5);

do $$
begin
    perform conveyor.register_job_type('crashy', p_max_attempts => 2);
    perform conveyor.enqueue('crashy', '{"kills": "its worker"}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
    update conveyor.jobs set locked_until = now() - interval '1 second';
    perform conveyor.rescue_expired();
    update conveyor.jobs set run_at = now();
    insert into claimed select * from conveyor.claim_batch('w2', 1);
    update conveyor.jobs set locked_until = now() - interval '1 second';
end $$;

select is(conveyor.rescue_expired(), 1, 'the job is rescued a second time');
select is((select count(*)::integer from conveyor.jobs), 0, 'it is no longer in the hot table');
select results_eq(
    $$ select payload, attempts, reason, last_error like 'lease expired%' from conveyor.dead_letters $$,
    $$ values ('{"kills": "its worker"}'::jsonb, 2, 'lease expired on the last attempt', true) $$,
    'it is dead-lettered with its payload, both attempts and the reason'
);
select is(
    (select jsonb_path_query_array(errors, '$[*].worker') from conveyor.dead_letters),
    '["w1", "w2"]'::jsonb, 'both lost attempts are recorded'
);
select is(
    (select count(*)::integer from conveyor.claim_batch('w3', 10)), 0, 'nothing is left to claim: no loop'
);

select * from finish();
rollback;
