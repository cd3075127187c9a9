-- The identifier rule is written once, in the domain conveyor.identifier: constraints and functions use it, none repeats it.
begin;
select plan(6);

select is(
    array(
        select c.conname::text from pg_constraint as c
        where
            c.connamespace = 'conveyor'::regnamespace and c.contype = 'c' and c.conrelid <> 0
            and pg_get_constraintdef(c.oid) like '%[a-z][a-z0-9\_]{0,%'
        order by 1
    ),
    array[]::text[],
    'no table constraint repeats the regular expression'
);
select is(
    array(
        select p.proname::text from pg_proc as p
        where p.pronamespace = 'conveyor'::regnamespace and p.prosrc like '%[a-z][a-z0-9\_]{0,%'
        order by 1
    ),
    array[]::text[],
    'no function repeats it'
);
select is(
    (
        select count(*)::integer from pg_constraint as c
        where c.contypid = 'conveyor.identifier'::regtype and pg_get_constraintdef(c.oid) like '%[a-z][a-z0-9\_]{0,%'
    ),
    1, 'the domain holds it'
);
select throws_like(
    $$ insert into conveyor.job_types (name) values ('Bad') $$,
    '%domain conveyor.identifier%', 'the table refuses a bad name through the domain'
);
select throws_like(
    $$ select conveyor.worker_heartbeat('w1', array['metric', 'Bad; --']) $$,
    'conveyor: invalid job type name%', 'a runner announcing a bad type name is refused (the runner no longer checks it)'
);
select throws_like(
    $$ select conveyor.set_route('alert', 'pgmq', repeat('q', 44)) $$,
    'conveyor: queue name % is too long (44 bytes, at most 43)', 'the queue domain''s length'
);

select * from finish();
rollback;
