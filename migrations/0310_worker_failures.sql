-- Runners count their failed attempts too, beside processed: GET /metrics exposes
-- both as counters per runner (conveyor_worker_processed_total, _failed_total).
-- worker_heartbeat gains a parameter, so its old signature is dropped here and the
-- new one is created by functions/0600 on the same migrate.
-- depends: 0200_routing

alter table conveyor.workers add column failed bigint not null default 0;

drop function if exists conveyor.worker_heartbeat(text, text[], integer, bigint, text, integer);
