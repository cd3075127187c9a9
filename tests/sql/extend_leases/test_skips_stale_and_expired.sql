-- extend_leases extends the live owned leases, skips stale pairs and never revives an expired lease.
begin;
select plan(4);

do $$
begin
    perform conveyor.enqueue('metric', format('{"n": %s}', i)::jsonb) from generate_series(1, 3) as i;
    create temp table claimed as select * from conveyor.claim_batch('w1', 3);
    update conveyor.jobs set locked_until = now() - interval '1 second' where payload ->> 'n' = '3';
    create temp table before as select * from conveyor.jobs;
end $$;

select bag_eq(
    $$ select x.id from conveyor.extend_leases(
           array(select id from claimed order by id),
           array(select case when payload ->> 'n' = '2' then gen_random_uuid() else lease_token end
                 from claimed order by id),
           interval '5 minutes'
       ) as x $$,
    $$ select id from claimed where payload ->> 'n' = '1' $$,
    'only the live lease with its own token is extended and returned'
);
select is(
    (
        select locked_until between now() + interval '5 minutes' and clock_timestamp() + interval '5 minutes'
        from conveyor.jobs where payload ->> 'n' = '1'
    ), true,
    'its lease now ends five minutes from now'
);
select bag_eq(
    $$ select * from conveyor.jobs where payload ->> 'n' in ('2', '3') $$,
    $$ select * from before where payload ->> 'n' in ('2', '3') $$,
    'the wrong-token pair and the expired lease are untouched'
);
select throws_ok(
    $$ select * from conveyor.extend_leases(array[1, 2]::bigint[], array[gen_random_uuid()]) $$,
    '22023', null, 'arrays of different lengths are refused'
);

select * from finish();
rollback;
