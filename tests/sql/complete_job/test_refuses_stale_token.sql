-- complete_job with a wrong, superseded or already used token raises CV001 and changes nothing.
begin;
select plan(7);

do $$
begin
    perform conveyor.enqueue('metric', '{"n": 1}');
    perform conveyor.enqueue('metric', '{"n": 2}');
    create temp table first_claim as select * from conveyor.claim_batch('w1', 1);
    update conveyor.jobs set locked_until = now() - interval '1 second';
    perform conveyor.rescue_expired();
    update conveyor.jobs set run_at = now() where id = (select id from first_claim);
    create temp table second_claim as select * from conveyor.claim_batch('w2', 1);
    create temp table before as select * from conveyor.jobs;
end $$;

select is(
    (select id from second_claim), (select id from first_claim), 'the job was claimed again by w2'
);
select throws_ok(
    $$ select conveyor.complete_job(id, lease_token) from first_claim $$,
    'CV001', null, 'w1''s superseded token is refused'
);
select throws_ok(
    $$ select conveyor.complete_job(id, gen_random_uuid()) from second_claim $$,
    'CV001', null, 'a random token is refused'
);
select bag_eq(
    $$ select * from conveyor.jobs $$, $$ select * from before $$,
    'the refused completions left every row as it was'
);
select is((select count(*)::integer from conveyor.job_history), 0, 'no history was written');

do $$ begin perform conveyor.complete_job(id, lease_token) from second_claim; end $$;

select throws_like(
    $$ select conveyor.complete_job(id, lease_token) from second_claim $$,
    '%stale%finished or unknown%', 'completing twice is refused: the job is finished'
);
select is((select count(*)::integer from conveyor.job_history), 1, 'the job was recorded once');

select * from finish();
rollback;
