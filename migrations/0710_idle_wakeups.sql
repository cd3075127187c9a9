-- Wake-ups that do not serialise commits: producers NOTIFY only while a worker waits.
--
-- conveyor.idle_workers counts the sessions registered idle (conveyor.worker_idle)
-- minus those that left (conveyor.worker_busy). A sequence, not a table: its value
-- is read and set outside any transaction's snapshot, so a producer in a REPEATABLE
-- READ transaction still sees a worker that went idle after its snapshot. The
-- handshake that makes a skipped NOTIFY safe is in functions/core/0130 and 0135.
-- depends: 0700_extend_leases_locked_until

create sequence conveyor.idle_workers as bigint minvalue 0 start 0 no cycle;
comment on sequence conveyor.idle_workers is
'Workers waiting for NOTIFY (conveyor.worker_idle); producers skip NOTIFY while it is 0. Set with setval only.';
