-- backoff_delay grows as base * 2^(attempt - 1), jittered within [d/2, d], and stops at the cap.
begin;
select plan(7);

-- 200 samples per attempt, with the nominal delay d each should fall under.
create temp table samples as
select
    a.attempt,
    conveyor.backoff_delay(a.attempt, interval '2 seconds', interval '1 hour') as delay,
    make_interval(secs => least(3600, 2 * 2 ^ (a.attempt - 1))) as nominal
from generate_series(1, 15) as a (attempt), generate_series(1, 200) as s (sample);

select is(
    (select count(*)::integer from samples where delay < nominal / 2 or delay > nominal), 0,
    'every delay lies within [d/2, d] of its nominal delay'
);
select ok(
    (
        select bool_and(lo.d_max <= hi.d_min) from (
            select
                attempt,
                max(delay) as d_max
            from samples where attempt < 11 group by attempt
        ) as lo inner join (
            select
                attempt,
                min(delay) as d_min
            from samples group by attempt
        ) as hi on hi.attempt = lo.attempt + 1
    ),
    'below the cap every delay of attempt n + 1 is at least every delay of attempt n'
);
select ok(
    (select bool_and(n_distinct > 100) from (
        select count(distinct delay) as n_distinct from samples group by attempt
    ) as x),
    'the delays are jittered, not one fixed value'
);
select ok(
    (select bool_and(delay between interval '30 minutes' and interval '1 hour') from samples where attempt >= 12),
    'from attempt 12 on (2 * 2^11 s > 1 h) the delay is capped: within [cap/2, cap]'
);
select ok(
    (select
        bool_and(
            conveyor.backoff_delay(1000, interval '2 seconds', interval '1 hour')
            between interval '30 minutes' and interval '1 hour'
        )
    from generate_series(1, 50)),
    'attempt 1000 does not overflow and stays under the cap'
);
select ok(
    conveyor.backoff_delay(2147483647, interval '1 day', interval '30 days')
    between interval '15 days' and interval '30 days',
    'the largest integer attempt with a large base does not overflow either'
);
select ok(
    (
        select bool_and(conveyor.backoff_delay(1) between interval '1 second' and interval '2 seconds')
        from generate_series(1, 50)
    ),
    'the defaults are a 2 second base: attempt 1 waits 1 to 2 seconds'
);

select * from finish();
rollback;
