-- outbox_retention below a day is refused (Inngest deduplicates event ids for 24 hours) and left unchanged.
begin;
select plan(3);

select throws_ok(
    $$ select conveyor.set_setting('outbox_retention', '12 hours') $$, '22023',
    'conveyor: setting outbox_retention takes an interval from 1 day to 100 years, got ''12 hours''',
    'less than a day is refused'
);
select is((select value from conveyor.settings where name = 'outbox_retention'), '7 days', 'the setting is unchanged');
select is(conveyor.set_setting('pgmq_archive_retention', '2 days'), '2 days', 'the archive retention can be set');

select * from finish();
rollback;
