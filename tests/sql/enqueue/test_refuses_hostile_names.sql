-- enqueue refuses hostile or malformed job type names before anything is looked up, and writes nothing.
begin;
select plan(17);

-- A type with the longest name allowed (63 characters) exists; one character more is refused.
do $$ begin perform conveyor.register_job_type(repeat('a', 63)); end $$;
create temp table types_before as select name from conveyor.job_types;

select throws_like(
    $$ select conveyor.enqueue('x''; drop table conveyor.jobs; --', '{}') $$,
    '%invalid job type name%', 'a quote and a statement are refused'
);
select throws_like(
    $q$ select conveyor.enqueue('a$$b', '{}') $q$,
    '%invalid job type name%', 'dollar quotes are refused'
);
select throws_like(
    $$ select conveyor.enqueue('alert--', '{}') $$,
    '%invalid job type name%', 'a comment marker is refused'
);
select throws_like(
    $$ select conveyor.enqueue('alert;', '{}') $$,
    '%invalid job type name%', 'a semicolon is refused'
);
select throws_like(
    $$ select conveyor.enqueue(U&'\0430lert', '{}') $$,
    '%invalid job type name%', 'a Cyrillic look-alike letter is refused'
);
select throws_like(
    $$ select conveyor.enqueue(U&'al\00E9rt', '{}') $$,
    '%invalid job type name%', 'an accented letter is refused'
);
select throws_like(
    $$ select conveyor.enqueue(U&'alert\200B', '{}') $$,
    '%invalid job type name%', 'a zero-width space is refused'
);
select throws_like(
    $$ select conveyor.enqueue('ALERT', '{}') $$,
    '%invalid job type name%', 'upper case is refused'
);
select throws_like(
    $$ select conveyor.enqueue('', '{}') $$,
    '%invalid job type name%', 'the empty name is refused'
);
select throws_like(
    $$ select conveyor.enqueue(null, '{}') $$,
    '%invalid job type name%', 'a null name is refused'
);
select throws_like(
    $$ select conveyor.enqueue(repeat('a', 64), '{}') $$,
    '%invalid job type name%', 'a name of 64 characters is refused'
);
select throws_like(
    $$ select conveyor.enqueue(E'alert\n', '{}') $$,
    '%invalid job type name%', 'a trailing newline is refused'
);
select throws_like(
    $$ select conveyor.enqueue('alert ', '{}') $$,
    '%invalid job type name%', 'a trailing space is refused'
);
select throws_like(
    $$ select conveyor.enqueue('1alert', '{}') $$,
    '%invalid job type name%', 'a leading digit is refused'
);
select ok(conveyor.enqueue(repeat('a', 63), '{}') is not null, 'a name of 63 characters is accepted');
select is(
    (select count(*)::integer from conveyor.jobs), 1, 'only the valid job was written'
);
select bag_eq(
    $$ select name from conveyor.job_types $$, $$ select name from types_before $$,
    'no job type was created by the refused calls'
);

select * from finish();
rollback;
