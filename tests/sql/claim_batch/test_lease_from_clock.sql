-- A claim inside an older transaction gets a lease that runs its full length from the moment of the claim.
-- locked_until used to be now() (the transaction's start) + the lease: already over for a long transaction.
begin;
select plan(3);

do $$ begin perform conveyor.enqueue('metric', '{}', p_run_at => now() - interval '1 second'); end $$;
select pg_sleep(0.01); -- a lower bound on the transaction's age, not a wait for something to happen
create temp table t0 as select clock_timestamp() as t;
create temp table claimed as select * from conveyor.claim_batch('w', 1, null, interval '5 seconds');

select ok(
    (select c.locked_until >= t0.t + interval '5 seconds' from claimed as c, t0),
    'the lease ends 5 s after the claim, not 5 s after the transaction began'
);
select ok((select c.claimed_at >= t0.t from claimed as c, t0), 'claimed_at is the clock at the claim');
select is((select locked_until - claimed_at from claimed), interval '5 seconds', 'locked_until - claimed_at is the lease');

select * from finish();
rollback;
