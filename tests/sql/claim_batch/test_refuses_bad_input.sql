-- claim_batch refuses batch sizes, leases and worker names out of range, and claims nothing then.
begin;
select plan(9);

do $$ begin perform conveyor.enqueue('metric', '{}'); end $$;

select throws_ok(
    $$ select * from conveyor.claim_batch('w1', 0) $$, '22023', null, 'a batch size of 0 is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch('w1', 10001) $$, '22023', null, 'a batch size over 10000 is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch('w1', null) $$, '22023', null, 'a null batch size is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch('w1', 10, null, interval '500 milliseconds') $$,
    '22023', null, 'a lease under one second is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch('w1', 10, null, interval '25 hours') $$,
    '22023', null, 'a lease over one day is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch('', 10) $$, '22023', null, 'an empty worker name is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch(null, 10) $$, '22023', null, 'a null worker name is refused'
);
select throws_ok(
    $$ select * from conveyor.claim_batch(repeat('w', 201), 10) $$, '22023', null, 'a worker name over 200 characters is refused'
);
select results_eq(
    $$ select state::text, attempts from conveyor.jobs $$,
    $$ values ('queued', 0) $$,
    'the refused claims took nothing'
);

select * from finish();
rollback;
