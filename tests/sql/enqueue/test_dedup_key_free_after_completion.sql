-- Once the job holding a dedup key has completed, the key is free: the next enqueue makes a new job.
begin;
select plan(3);

create temp table ids (label text, id bigint);
insert into ids values ('first', conveyor.enqueue('metric', '{"v": 1}', p_dedup_key => 'nightly'));

do $$
begin
    perform conveyor.complete_job(c.id, c.lease_token) from conveyor.claim_batch('w1', 1) as c;
end $$;

insert into ids values ('second', conveyor.enqueue('metric', '{"v": 2}', p_dedup_key => 'nightly'));

select is((select count(*)::integer from conveyor.job_history), 1, 'the first job completed');
select isnt(
    (select id from ids where label = 'second'), (select id from ids where label = 'first'), 'a new job was made'
);
select results_eq(
    $$ select payload, state::text from conveyor.jobs where dedup_key = 'nightly' $$,
    $$ values ('{"v": 2}'::jsonb, 'queued') $$,
    'it holds the key now, with its own payload'
);

select * from finish();
rollback;
