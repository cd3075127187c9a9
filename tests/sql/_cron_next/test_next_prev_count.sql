-- _cron_next, _cron_prev and _cron_count agree with cron's rules (UTC, dom/dow either-or, 7 = Sunday).
begin;
select plan(14);

select is(conveyor._cron_next('*/5 * * * *', '2026-01-01 10:02:30+00'), '2026-01-01 10:05:00+00'::timestamptz, 'every 5 minutes: next');
select is(conveyor._cron_prev('*/5 * * * *', '2026-01-01 10:02:30+00'), '2026-01-01 10:00:00+00'::timestamptz, 'every 5 minutes: prev');
select is(conveyor._cron_next('0 3 * * *', '2026-01-01 03:00:00+00'), '2026-01-02 03:00:00+00'::timestamptz, 'next is strictly after');
select
    is(
        conveyor._cron_prev('0 3 * * *', '2026-01-01 03:00:00+00'),
        '2026-01-01 03:00:00+00'::timestamptz,
        'prev includes the instant itself'
    );
select
    is(
        conveyor._cron_prev('0 3 * * *', '2026-01-01 02:59:59+00'),
        '2025-12-31 03:00:00+00'::timestamptz,
        'prev crosses midnight and the year'
    );
select is(conveyor._cron_next('*/30 * * * *', '2026-01-01 23:45:00+00'), '2026-01-02 00:00:00+00'::timestamptz, 'next crosses midnight');
select is(conveyor._cron_next('0 0 29 2 *', '2026-03-01 00:00:00+00'), '2028-02-29 00:00:00+00'::timestamptz, 'leap day');
-- 2026-01-01 is a Thursday: the 1st of the month or a Monday, whichever comes first.
select is(conveyor._cron_next('0 0 1 * 1', '2026-01-01 00:00:01+00'), '2026-01-05 00:00:00+00'::timestamptz, 'day of month or day of week');
select is(conveyor._cron_next('0 0 * * 7', '2026-01-01 00:00:00+00'), '2026-01-04 00:00:00+00'::timestamptz, '7 is Sunday');
select
    is(
        conveyor._cron_next('15,45 9-17/4 * * 1-5', '2026-01-02 17:46:00+00'),
        '2026-01-05 09:15:00+00'::timestamptz,
        'lists, ranges with steps, weekdays'
    );
select
    is(
        conveyor._cron_count('*/5 * * * *', '2026-01-01 10:00:00+00', '2026-01-01 11:00:00+00'),
        12,
        'twelve 5-minute slots in (10:00, 11:00]'
    );
select is(conveyor._cron_count('0 3 * * *', '2026-01-01 00:00:00+00', '2026-01-03 00:00:00+00'), 2, 'two daily slots in two days');
select is(conveyor._cron_count('*/30 * * * *', '2026-01-01 10:00:00+00', '2026-01-01 10:00:00+00'), 0, 'an empty window has no slot');
select
    is(
        conveyor._cron_prev('0 12 * * *', '2026-06-15 12:30:00+02'),
        '2026-06-15 10:00:00+00'::timestamptz - interval '22 hours',
        'evaluated in UTC whatever the input zone'
    );

select * from finish();
rollback;
