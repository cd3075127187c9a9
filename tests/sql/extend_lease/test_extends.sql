-- extend_lease pushes a live lease to the clock's now + the lease asked for, or the type's lease.
-- The clock's now is clock_timestamp(), not the transaction's start.
begin;
select plan(3);

do $$
begin
    perform conveyor.register_job_type('long_job', p_lease => interval '1 minute');
    perform conveyor.enqueue('long_job', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1, null, interval '5 seconds');
end $$;

create temp table ended as
select conveyor.extend_lease(id, lease_token, interval '10 minutes') as until from claimed;
select ok(
    (select until between now() + interval '10 minutes' and clock_timestamp() + interval '10 minutes' from ended),
    'the new lease end is returned'
);
select is((select locked_until from conveyor.jobs), (select until from ended), 'and stored');
select ok(
    (
        select conveyor.extend_lease(id, lease_token) between now() + interval '1 minute' and clock_timestamp() + interval '1 minute'
        from claimed
    ),
    'without a lease the type''s lease applies'
);

select * from finish();
rollback;
