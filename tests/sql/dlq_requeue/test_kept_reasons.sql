-- dlq_requeue says why a jobs-table dead letter stays dead: its job type was deleted, or a live job holds its dedup key.
begin;
select plan(2);

do $$ begin perform conveyor.register_job_type('short_lived'); end $$;
insert into conveyor.dead_letters (
    id, job_type, payload, priority, attempts, max_attempts, errors, last_error, reason, created_at, died_at, dedup_key
)
values
(-1, 'short_lived', '{}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now(), now(), null),
(-2, 'metric', '{}', 0, 5, 5, '[]', 'boom', 'attempts exhausted', now(), now(), 'k1');
delete from conveyor.job_types where name = 'short_lived';
do $$ begin perform conveyor.enqueue('metric', '{}', p_dedup_key => 'k1'); end $$;

select results_eq(
    $$ select id, result from conveyor.dlq_requeue(p_id => -1) $$,
    $$ values (-1::bigint, 'kept: job type short_lived is not registered (register it again first)') $$,
    'a deleted job type is named as the reason'
);
select results_eq(
    $$ select id, result from conveyor.dlq_requeue(p_id => -2) $$,
    $$ values (-2::bigint, 'kept: a live job holds its dedup key') $$,
    'a held dedup key is still the reason when it is one'
);

select * from finish();
rollback;
