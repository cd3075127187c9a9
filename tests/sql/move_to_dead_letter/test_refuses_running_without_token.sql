-- move_to_dead_letter refuses a running job without its lease token (CV001) and moves it with it.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
    create temp table before as select * from conveyor.jobs;
end $$;

select throws_ok(
    $$ select conveyor.move_to_dead_letter(id) from claimed $$,
    'CV001', null, 'a running job cannot be buried without its token'
);
select throws_ok(
    $$ select conveyor.move_to_dead_letter(id, 'x', gen_random_uuid()) from claimed $$,
    'CV001', null, 'nor with a wrong token'
);
select bag_eq($$ select * from conveyor.jobs $$, $$ select * from before $$, 'the running job is untouched');
select lives_ok(
    $$ select conveyor.move_to_dead_letter(id, 'given up', lease_token) from claimed $$,
    'with its token the owner can bury it'
);
select results_eq(
    $$ select reason, attempts from conveyor.dead_letters $$, $$ values ('given up', 1) $$,
    'it is dead-lettered with its reason and attempt'
);

select * from finish();
rollback;
