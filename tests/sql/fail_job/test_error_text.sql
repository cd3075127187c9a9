-- fail_job records a missing error as 'unknown error' and keeps at most 8 kB of a long one.
begin;
select plan(2);

do $$
declare
    v_job record;
begin
    perform conveyor.enqueue('metric', '{"n": 1}');
    perform conveyor.enqueue('metric', '{"n": 2}');
    for v_job in select * from conveyor.claim_batch('w1', 2) loop
        perform conveyor.fail_job(
            v_job.id, v_job.lease_token,
            case when v_job.payload ->> 'n' = '1' then null else repeat('traceback line ', 2000) end
        );
    end loop;
end $$;

select is(
    (select errors -> 0 ->> 'error' from conveyor.jobs where payload ->> 'n' = '1'), 'unknown error',
    'a null error is recorded as unknown error'
);
select is(
    (select length(errors -> 0 ->> 'error') from conveyor.jobs where payload ->> 'n' = '2'), 8192,
    'a 30 kB error is cut to 8192 characters'
);

select * from finish();
rollback;
