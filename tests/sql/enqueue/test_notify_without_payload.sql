-- enqueue's NOTIFY carries no job payload: a 1 MB payload (NOTIFY's limit is 8000 bytes) enqueues fine.
begin;
select plan(4);

create temp table big as select jsonb_build_object('blob', repeat('x', 1000000)) as payload;

select lives_ok(
    $$ select conveyor.enqueue('metric', payload) from big $$, 'a due job with a 1 MB payload is enqueued and notified'
);
select lives_ok(
    $$ select conveyor.enqueue_batch(jsonb_build_array(jsonb_build_object('job_type', 'alert', 'payload', payload))) from big $$,
    'a batch with a 1 MB payload is enqueued and notified'
);
select is(
    (select count(*)::integer from conveyor.jobs where length(payload ->> 'blob') = 1000000), 2,
    'both payloads are stored whole'
);
-- The control: a NOTIFY that carried the payload would have failed at the call.
select throws_ok(
    $$ select pg_notify('conveyor_jobs', payload::text) from big $$,
    '22023', null, 'a notification carrying the payload would have been refused'
);

select * from finish();
rollback;
