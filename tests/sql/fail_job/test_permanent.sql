-- fail_job with p_permanent dead-letters the job at once, whatever attempts it has left.
begin;
select plan(4);

do $$
begin
    perform conveyor.enqueue('metric', '{"bad": "input"}', p_max_attempts => 5);
    create temp table claimed as select * from conveyor.claim_batch('w1', 10);
end $$;

select is(
    conveyor.fail_job(c.id, c.lease_token, 'cannot parse input', p_permanent => true), 'dead',
    'a permanent failure on attempt 1 of 5 is dead'
) from claimed as c;
select is((select count(*)::integer from conveyor.jobs), 0, 'the job left the hot table');
select results_eq(
    $$ select reason, last_error, attempts, payload from conveyor.dead_letters $$,
    $$ values ('failed permanently', 'cannot parse input', 1, '{"bad": "input"}'::jsonb) $$,
    'it is dead-lettered as failed permanently, with its error and payload'
);
select is(
    (select jsonb_array_length(errors) from conveyor.dead_letters), 1, 'its one error is recorded'
);

select * from finish();
rollback;
