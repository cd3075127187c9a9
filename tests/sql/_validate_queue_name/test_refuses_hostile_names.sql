-- Queue names pass one allow-list and pgmq's length limit; hostile names never reach dynamic SQL.
begin;
select plan(7);

select is(conveyor._validate_queue_name('alert_jobs'), 'alert_jobs', 'a plain name passes');
select is(conveyor._validate_queue_name(repeat('q', 43)), repeat('q', 43), '43 bytes pass');
select throws_like(
    $$ select conveyor._validate_queue_name(repeat('q', 44)) $$, '%too long%', '44 bytes are refused (_dlq must fit in 47)'
);
select throws_like(
    $$ select conveyor._validate_queue_name('x; drop table conveyor.jobs; --') $$, '%invalid queue name%',
    'a name with ; and -- is refused'
);
select throws_like(
    $q$ select conveyor.set_route('alert', 'pgmq', 'a$$b') $q$, '%invalid queue name%', 'set_route refuses $$'
);
select throws_like(
    $$ select * from conveyor.pgmq_read('Alert_Jobs"') $$, '%invalid queue name%', 'pgmq_read refuses quotes and upper case'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('no_such_queue') $$, '22023', null, 'an unknown queue is refused'
);

select * from finish();
rollback;
