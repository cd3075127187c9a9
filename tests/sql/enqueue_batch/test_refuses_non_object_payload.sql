-- enqueue_batch refuses an element whose payload is not an object with its own clear error.
begin;
select plan(3);

select throws_ok(
    $$ select conveyor.enqueue_batch('[{"payload": {}}, {"payload": [1, 2]}]'::jsonb, 'alert') $$,
    '22023',
    'conveyor: job 2 of the batch has a payload that is not a JSON object (job type ''alert'')',
    'a payload that is not an object is refused with the position of the element'
);
select throws_ok(
    $$ select conveyor.enqueue_batch('[{"payload": {}, "priority": 99999}]'::jsonb, 'alert') $$,
    '22023', null, 'a priority out of range is refused with a clear error'
);
select is(
    (select count(*)::integer from conveyor.jobs), 0, 'nothing was written by the refused batches'
);

select * from finish();
rollback;
