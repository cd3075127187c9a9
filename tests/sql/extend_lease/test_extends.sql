-- extend_lease pushes a live lease to now() + the lease asked for, or the type's lease.
begin;
select plan(3);

do $$
begin
    perform conveyor.register_job_type('long_job', p_lease => interval '1 minute');
    perform conveyor.enqueue('long_job', '{}');
    create temp table claimed as select * from conveyor.claim_batch('w1', 1, null, interval '5 seconds');
end $$;

select is(
    (select conveyor.extend_lease(id, lease_token, interval '10 minutes') from claimed),
    now() + interval '10 minutes', 'the new lease end is returned'
);
select is(
    (select locked_until from conveyor.jobs), now() + interval '10 minutes', 'and stored'
);
select is(
    (select conveyor.extend_lease(id, lease_token) from claimed),
    now() + interval '1 minute', 'without a lease the type''s lease applies'
);

select * from finish();
rollback;
