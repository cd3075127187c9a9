-- Two dead jobs sharing a dedup key: requeue by type puts back one and leaves the other dead, without an error.
begin;
select plan(5);

do $$
begin
    perform conveyor.enqueue('metric', '{"life": 1}', p_dedup_key => 'nightly');
    perform conveyor.move_to_dead_letter(id) from conveyor.jobs;
    update conveyor.dead_letters set died_at = now() - interval '1 hour';
    perform conveyor.enqueue('metric', '{"life": 2}', p_dedup_key => 'nightly');
    perform conveyor.move_to_dead_letter(id) from conveyor.jobs;
    perform conveyor.enqueue('metric', '{"life": 3}');
    perform conveyor.move_to_dead_letter(id) from conveyor.jobs;
end $$;

select is(conveyor.requeue_dead('metric'), 2, 'two jobs are requeued: one per dedup key, and the one without a key');
select is(
    (select count(*)::integer from conveyor.jobs where dedup_key = 'nightly'), 1, 'one job holds the key'
);
select is(
    (select count(*)::integer from conveyor.dead_letters where dedup_key = 'nightly'), 1, 'the other stays dead'
);
select bag_eq(
    $$ select payload ->> 'life' from conveyor.jobs $$, $$ values ('2'), ('3') $$,
    'of the two sharing a key, the one that died last is back'
);
select is(
    (select count(*)::integer from conveyor.jobs) + (select count(*)::integer from conveyor.dead_letters), 3,
    'no job was lost'
);

select * from finish();
rollback;
