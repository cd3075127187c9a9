-- extend_leases returns each renewed lease with its token and the end the database granted.
begin;
select plan(3);

do $$
begin
    perform conveyor.register_job_type('t_lease_end', p_lease => '40 seconds');
    perform conveyor.enqueue('t_lease_end', '{}'::jsonb);
    create temp table claimed as select * from conveyor.claim_batch('w1', 1, array['t_lease_end']);
    -- The type's lease is shortened while the job runs.
    perform conveyor.register_job_type('t_lease_end', p_lease => '3 seconds');
end $$;

create temp table renewed as
select * from conveyor.extend_leases(array(select id from claimed), array(select lease_token from claimed));

select results_eq(
    $$ select id, lease_token from renewed $$,
    $$ select id, lease_token from claimed $$,
    'the owned lease is returned with its token'
);
select ok(
    (select locked_until from renewed) between now() + interval '3 seconds' and clock_timestamp() + interval '3 seconds',
    'the lease end returned is the renewal on the type''s current lease'
);
select is(
    (select locked_until from renewed), (select locked_until from conveyor.jobs where id = (select id from claimed)),
    'and it is the lease end stored'
);

select * from finish();
rollback;
