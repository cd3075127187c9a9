-- conveyor.backoff_delay
-- The wait before retry number p_attempt + 1: base * 2^(attempt - 1), capped, with equal jitter.
--
-- Equal jitter keeps the delay in [d/2, d]: retries of a failed batch spread out
-- without ever retrying sooner than half the nominal delay. The exponent is clamped
-- at 40 (2^40 s is far beyond any cap) so that high attempt counts never overflow.
create or replace function conveyor.backoff_delay(
    p_attempt integer,
    p_base interval default interval '2 seconds',
    p_cap interval default interval '1 hour'
)
returns interval
language plpgsql
volatile
parallel safe
set search_path = ''
as $$
declare
    v_nominal double precision;
begin
    if p_attempt is null or p_attempt < 1 then
        raise exception 'conveyor: backoff attempt must be at least 1, got %', p_attempt using errcode = '22023';
    end if;
    v_nominal := least(
        extract(epoch from p_cap)::double precision,
        extract(epoch from p_base)::double precision * pg_catalog.power(2::double precision, least(p_attempt - 1, 40))
    );
    return pg_catalog.make_interval(secs => v_nominal * (0.5 + pg_catalog.random() / 2));
end;
$$;
