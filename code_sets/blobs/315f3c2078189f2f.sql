-- conveyor._dead_letter_fallback
-- Trigger on conveyor.dead_letters: in fallback mode, hands a job that exhausted its attempts to Inngest via the outbox.
--
-- Only jobs Postgres gave up on (attempts exhausted, lease expired on the last
-- attempt); a permanent failure or an operator's move is a decision, not an outage.
-- Not in dual-run mode: Inngest already has its own copy of every job then.
-- The trigger lives here, beside its function, so both are replaced together.
create or replace function conveyor._dead_letter_fallback()
returns trigger
language plpgsql
volatile
set search_path = ''
as $$
begin
    if new.reason in ('attempts exhausted', 'lease expired on the last attempt')
        and exists (
            select 1 from conveyor.execution_settings as s
            where s.id and s.inngest_fallback and not s.dual_run and s.primary_executor = 'postgres'
        ) then
        perform conveyor._outbox_add(new.id, new.job_type, new.payload, 'fallback');
    end if;
    return null;
end;
$$;

create or replace trigger dead_letters_fallback
after insert on conveyor.dead_letters
for each row execute function conveyor._dead_letter_fallback();
