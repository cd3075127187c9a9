-- complete_jobs, extend_leases and release_jobs refuse id and token arrays of different lengths, touching nothing.
begin;
select plan(4);

do $$
begin
    perform conveyor.enqueue('metric', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1);
    create temp table before as select * from conveyor.jobs;
end $$;

select throws_ok(
    $$ select conveyor.complete_jobs(array[id, id], array[lease_token]) from claimed $$,
    '22023', null, 'complete_jobs refuses two ids with one token'
);
select throws_ok(
    $$ select conveyor.release_jobs(array[id], array[lease_token, lease_token]) from claimed $$,
    '22023', null, 'release_jobs refuses one id with two tokens'
);
select throws_ok(
    $$ select conveyor.extend_leases(array[id], array[]::uuid[]) from claimed $$,
    '22023', null, 'extend_leases refuses one id with no token'
);
select bag_eq($$ select * from conveyor.jobs $$, $$ select * from before $$, 'the running job is untouched');

select * from finish();
rollback;
