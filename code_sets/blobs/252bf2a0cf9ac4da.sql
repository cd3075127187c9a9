-- conveyor.list_routes
-- Every job type with its configured route and where dispatch sends its work now (mode and pgmq considered).
create or replace function conveyor.list_routes()
returns table (
    job_type text,
    destination text,
    queue_name text,
    effective_destination text,
    effective_queue text,
    copy_to_inngest boolean,
    note text
)
language plpgsql
stable
set search_path = ''
as $$
begin
    return query
    select t.name, coalesce(r.destination, 'jobs'), r.queue_name,
           e.destination, e.queue_name, e.copy_to_inngest, e.note
    from conveyor.job_types as t
    left join conveyor.routes as r on r.job_type = t.name
    cross join lateral conveyor._resolve_route(t.name) as e
    order by t.name;
end;
$$;
