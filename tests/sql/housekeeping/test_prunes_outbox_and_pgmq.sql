-- Housekeeping prunes sent outbox rows, pgmq archive rows and old DLQ messages past their retention settings.
begin;
select plan(7);

insert into conveyor.inngest_outbox (job_id, job_type, payload, reason, event_id, created_at, sent_at)
values
(1, 'alert', '{}', 'primary', 'conveyor-1', now() - interval '9 days', now() - interval '8 days'),
(2, 'alert', '{}', 'primary', 'conveyor-2', now() - interval '3 days', now() - interval '2 days'),
(3, 'alert', '{}', 'primary', 'conveyor-3', now() - interval '9 days', null);

do $$ begin perform pgmq.send('alert_jobs', jsonb_build_object('job_id', g, 'job_type', 'alert')) from generate_series(1, 3) as g; end $$;
do $$ begin perform pgmq.archive('alert_jobs', msg_id) from pgmq.q_alert_jobs; end $$;
update pgmq.a_alert_jobs set archived_at = now() - interval '8 days' where message ->> 'job_id' in ('1', '2');
do $$ begin
    perform pgmq.send('alert_jobs_dlq', jsonb_build_object('job_id', g, 'job_type', 'alert')) from generate_series(1, 2) as g;
end $$;
update pgmq.q_alert_jobs_dlq set enqueued_at = now() - interval '31 days' where message ->> 'job_id' = '1';

create temp table hk on commit drop as select conveyor.housekeeping() as r;

select is((select (r ->> 'outbox_pruned')::integer from hk), 1, 'one sent outbox row was past outbox_retention');
select is(
    (select array_agg(job_id order by job_id) from conveyor.inngest_outbox), array[2, 3]::bigint[],
    'a recently sent row and an unsent row are kept'
);
select is((select (r ->> 'pgmq_archive_pruned')::integer from hk), 2, 'two archive rows were past pgmq_archive_retention');
select is((select count(*)::integer from pgmq.a_alert_jobs), 1, 'the recent archive row is kept');
select is((select (r ->> 'pgmq_dlq_pruned')::integer from hk), 1, 'one DLQ message was past dead_letter_retention');
select is((select count(*)::integer from pgmq.q_alert_jobs_dlq), 1, 'the recent DLQ message is kept');
select is(
    (select details ->> 'outbox_pruned' from conveyor.housekeeping_log order by id desc limit 1), '1',
    'the housekeeping log records it'
);

select * from finish();
rollback;
