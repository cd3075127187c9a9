-- list_settings lists every setting with its value and description, by name.
begin;
select plan(2);

select results_eq(
    $$ select name, value, description from conveyor.list_settings() $$,
    $$ select name, value, description from conveyor.settings order by name $$,
    'every setting, in name order'
);
select conveyor.set_setting('health_pending_max', '77');
select is(
    (select value from conveyor.list_settings() where name = 'health_pending_max'), '77',
    'a changed value shows at once'
);

select * from finish();
rollback;
