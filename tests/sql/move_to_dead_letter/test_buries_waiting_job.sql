-- move_to_dead_letter buries a waiting job by hand, with the reason given.
begin;
select plan(4);

do $$
begin
    perform conveyor.enqueue('metric', '{"poison": true}', p_run_at => now() + interval '1 hour');
    create temp table waiting as select * from conveyor.jobs;
    perform conveyor.move_to_dead_letter(id, 'poison pill') from waiting;
end $$;

select is((select count(*)::integer from conveyor.jobs), 0, 'the job left the hot table');
select results_eq(
    $$ select d.id, d.payload, d.reason, d.attempts, d.last_error, d.errors from conveyor.dead_letters as d $$,
    $$ select w.id, w.payload, 'poison pill', 0, null::text, '[]'::jsonb from waiting as w $$,
    'it is dead-lettered with its payload and the reason'
);
select throws_ok(
    $$ select conveyor.move_to_dead_letter(id) from waiting $$,
    'P0002', null, 'a job no longer in the hot table cannot be moved again'
);
select is((select count(*)::integer from conveyor.dead_letters), 1, 'it is dead-lettered once');

select * from finish();
rollback;
