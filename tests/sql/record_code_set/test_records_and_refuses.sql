-- record_code_set keeps one code set per version, rewrites it only when it changed, and refuses bad input.
begin;
select plan(7);

select lives_ok(
    $$ select conveyor.record_code_set('0999_test', '[{"path": "functions/a.sql", "sql": "select 1;"}]') $$,
    'a version and a JSON array are recorded'
);
select is(conveyor.code_set('0999_test') -> 0 ->> 'path', 'functions/a.sql', 'and read back by code_set');
select is(conveyor.code_set('0998_never'), null, 'a version never recorded has no code set');
select throws_ok(
    $$ select conveyor.record_code_set('latest', '[]') $$, '22023', null, 'a version is a migration id'
);
select throws_ok($$ select conveyor.record_code_set(null, '[]') $$, '22023', null, 'null version');
select throws_ok(
    $$ select conveyor.record_code_set('0999_test', '{"path": "x"}') $$, '22023', null, 'files are an array'
);
select is(
    (select count(*)::int from conveyor.code_sets where version = '0999_test'), 1, 'still one row after the refusals'
);

select * from finish();
rollback;
