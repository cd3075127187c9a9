-- conveyor._validate_name
-- Checks a job-type, queue or schedule name by the domain that holds the rule; returns it, or raises 22023.
--
-- The rule itself is the domain conveyor.identifier (migration 0415), with the
-- narrower conveyor.queue_name and conveyor.schedule_name: assigning the name to a
-- variable of that type checks it, so the rule is written once, where the tables use
-- it. The exception block starts a subtransaction that writes nothing (no
-- transaction id is taken), a microsecond or two per call.
create or replace function conveyor._validate_name(p_name text, p_kind text default 'job type')
returns text
language plpgsql
stable
parallel safe
security invoker
set search_path = ''
as $$
declare
    v_identifier conveyor.identifier;
    v_queue conveyor.queue_name;
    v_schedule conveyor.schedule_name;
    v_constraint text;
begin
    if p_name is not null then
        begin
            if p_kind = 'queue' then
                v_queue := p_name;
            elsif p_kind = 'schedule' then
                v_schedule := p_name;
            else
                v_identifier := p_name;
            end if;
            return p_name;
        exception when check_violation then
            get stacked diagnostics v_constraint = constraint_name;
        end;
    end if;
    if v_constraint = 'queue_name_length' then
        raise exception 'conveyor: queue name % is too long (% bytes, at most 43)',
            pg_catalog.quote_literal(p_name), pg_catalog.octet_length(p_name)
            using errcode = '22023',
                  hint = 'pgmq allows 47 bytes and conveyor appends _dlq for the dead-letter queue.';
    end if;
    if v_constraint = 'schedule_name_length' then
        raise exception 'conveyor: schedule name % is longer than 54 characters', pg_catalog.quote_literal(p_name)
            using errcode = '22023', hint = 'Its pg_cron job is named conveyor_<name>, which must fit in 63 bytes.';
    end if;
    raise exception 'conveyor: invalid % name %', p_kind, coalesce(pg_catalog.quote_literal(pg_catalog.left(p_name, 100)), 'NULL')
        using errcode = '22023',
              hint = 'Use 1 to 63 characters: a lower-case ASCII letter, then lower-case letters, digits or underscores.';
end;
$$;
