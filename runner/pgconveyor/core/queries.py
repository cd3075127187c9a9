"""Every SQL statement the runner sends: each only calls a conveyor.* function or reads a conveyor view.

No table DML lives in Python; what a runner does, plain SQL can do too.
"""

CLAIM_BATCH = "select * from conveyor.claim_batch(%s, %s, %s, %s, %s)"
COMPLETE_JOBS = "select conveyor.complete_jobs(%s::bigint[], %s::uuid[])"
COMPLETE_JOB = "select conveyor.complete_job(%s, %s)"
FAIL_JOB = "select conveyor.fail_job(%s, %s, %s, %s, %s)"
# The lease end as seconds from now on the database's clock: the runner times its next
# renewal on it without trusting its own clock.
EXTEND_LEASES = (
    "select id, lease_token, extract(epoch from locked_until - now())::float8"
    " from conveyor.extend_leases(%s::bigint[], %s::uuid[], %s)"
)
RELEASE_JOBS = "select conveyor.release_jobs(%s::bigint[], %s::uuid[])"
WORKER_HEARTBEAT = "select conveyor.worker_heartbeat(%s, %s, %s, %s, %s, %s, %s)"
WORKER_STOPPED = "select conveyor.worker_stopped(%s)"
LISTEN = "listen conveyor_jobs"
WORKER_IDLE = "select conveyor.worker_idle()"
WORKER_BUSY = "select conveyor.worker_busy()"

ENQUEUE = "select conveyor.enqueue(%s, %s, %s, %s, %s, %s, %s)"
ENQUEUE_BATCH = "select conveyor.enqueue_batch(%s::jsonb, %s)"

JOB_STATUS = """
select job_type, ready, scheduled, running, retrying, completed_24h, dead,
       extract(epoch from oldest_ready_age)::float8 as oldest_ready_seconds, live_workers
from conveyor.job_status
order by job_type
"""


# -- pgmq, routing, execution modes, the Inngest outbox (issue 4) -------------------
PGMQ_QUEUES = """
select effective_queue, array_agg(job_type order by job_type)
from conveyor.list_routes()
where effective_queue is not null
group by effective_queue
order by effective_queue
"""
PGMQ_AVAILABLE = "select conveyor._pgmq_available()"
PGMQ_READ = "select msg_id, read_ct, job_id, job_type, payload, enqueued_at, vt from conveyor.pgmq_read(%s, %s, %s)"
PGMQ_ACK = "select conveyor.pgmq_ack(%s, %s::bigint[], %s::integer[])"
PGMQ_FAIL = "select conveyor.pgmq_fail(%s, %s, %s, %s, %s, %s)"
DISPATCH = "select conveyor.dispatch(%s, %s, %s, %s, %s, %s, %s)"
ROUTES = """
select job_type, destination, queue_name, effective_destination, effective_queue, copy_to_inngest, note
from conveyor.list_routes()
"""
SET_ROUTE = "select conveyor.set_route(%s, %s, %s)"
EXECUTION_MODE = "select conveyor.execution_mode()"
SET_EXECUTION_MODE = "select conveyor.set_execution_mode(%s, %s, %s)"
CLAIM_OUTBOX = "select id, job_id, job_type, payload, reason, event_id, attempts from conveyor.claim_outbox(%s, %s)"
OUTBOX_SENT = "select conveyor.outbox_sent(%s::bigint[])"
OUTBOX_FAILED = "select conveyor.outbox_failed(%s::bigint[], %s)"
