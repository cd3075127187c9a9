-- backoff_delay refuses an attempt number below 1 (or null) with a clear error.
begin;
select plan(3);

select throws_like(
    $$ select conveyor.backoff_delay(0) $$, '%attempt must be at least 1%', 'attempt 0 is refused'
);
select throws_ok(
    $$ select conveyor.backoff_delay(-5) $$, '22023', null, 'a negative attempt is refused'
);
select throws_ok(
    $$ select conveyor.backoff_delay(null) $$, '22023', null, 'a null attempt is refused'
);

select * from finish();
rollback;
