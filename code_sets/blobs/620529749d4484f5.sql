-- conveyor._pgmq_dead_message
-- The message a dead-letter queue keeps: the original's fields at the top level plus a 'dead' object (p_dead).
--
-- A message that is not a JSON object (a producer's string or array) is kept whole
-- under 'original'. The death number ('dead' -> 'death') counts this message's deaths:
-- a message requeued from a dead-letter queue carries 'deaths', so its next death
-- gets a new number (and, in fallback mode, a new Inngest event id).
create or replace function conveyor._pgmq_dead_message(p_message jsonb, p_dead jsonb)
returns jsonb
language plpgsql
immutable
security invoker
set search_path = ''
as $$
begin
    if p_message is not null and pg_catalog.jsonb_typeof(p_message) = 'object' then
        return p_message || pg_catalog.jsonb_build_object(
            'dead', p_dead || pg_catalog.jsonb_build_object(
                'death', coalesce(conveyor._jsonb_bigint(p_message -> 'deaths'), 0) + 1
            )
        );
    end if;
    return pg_catalog.jsonb_build_object(
        'original', p_message, 'dead', p_dead || pg_catalog.jsonb_build_object('death', 1)
    );
end;
$$;
