-- pgmq_read refuses a bad read limit, visibility timeout or quantity with 22023, and reads or buries nothing.
begin;
select plan(9);

do $$ begin perform pgmq.send('alert_jobs', '{"job_id": 5, "job_type": "alert", "payload": {}}'); end $$;

select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, 30, 0) $$, '22023',
    'conveyor: max reads 0 is out of range (1 to 1000)', 'max reads 0 is refused (it would bury never-read messages)'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, 30, null) $$, '22023',
    'conveyor: max reads NULL is out of range (1 to 1000)', 'max reads null is refused'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, 30, -1) $$, '22023', null,
    'a negative max reads is refused'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, 0) $$, '22023',
    'conveyor: visibility timeout 0 s is out of range (1 to 86400)', 'a visibility timeout of 0 is refused'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, -5) $$, '22023', null,
    'a negative visibility timeout is refused'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, 86401) $$, '22023', null,
    'a visibility timeout over a day is refused'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 10, null) $$, '22023', null,
    'a null visibility timeout is refused'
);
select throws_ok(
    $$ select * from conveyor.pgmq_read('alert_jobs', 0) $$, '22023', null,
    'a quantity of 0 is refused'
);

select results_eq(
    $$ select read_ct, (select count(*)::integer from pgmq.q_alert_jobs_dlq) from pgmq.q_alert_jobs $$,
    $$ values (0, 0) $$, 'the message was neither read nor buried'
);

select * from finish();
rollback;
