"""Every SQL statement the runner sends: each only calls a conveyor.* function or reads a conveyor view.

No table DML lives in Python; what a runner does, plain SQL can do too.
"""

CLAIM_BATCH = "select * from conveyor.claim_batch(%s, %s, %s, %s)"
COMPLETE_JOBS = "select conveyor.complete_jobs(%s::bigint[], %s::uuid[])"
COMPLETE_JOB = "select conveyor.complete_job(%s, %s)"
FAIL_JOB = "select conveyor.fail_job(%s, %s, %s, %s, %s)"
EXTEND_LEASES = "select conveyor.extend_leases(%s::bigint[], %s::uuid[], %s)"
RELEASE_JOBS = "select conveyor.release_jobs(%s::bigint[], %s::uuid[])"
WORKER_HEARTBEAT = "select conveyor.worker_heartbeat(%s, %s, %s, %s, %s, %s)"
WORKER_STOPPED = "select conveyor.worker_stopped(%s)"
LISTEN = "listen conveyor_jobs"

ENQUEUE = "select conveyor.enqueue(%s, %s, %s, %s, %s, %s, %s)"
ENQUEUE_BATCH = "select conveyor.enqueue_batch(%s::jsonb, %s)"
RESCUE_EXPIRED = "select conveyor.rescue_expired(%s)"

JOB_STATUS = """
select job_type, ready, scheduled, running, retrying, completed_24h, dead,
       extract(epoch from oldest_ready_age)::float8 as oldest_ready_seconds, live_workers
from conveyor.job_status
order by job_type
"""

DLQ_LIST = """
select id, job_type, attempts, died_at, reason, last_error
from conveyor.dead_letters
where %(job_type)s::text is null or job_type = %(job_type)s
order by died_at desc, id desc
limit %(limit)s
"""
DLQ_SHOW = "select to_jsonb(d) from conveyor.dead_letters as d where d.id = %s"
REQUEUE_DEAD_ID = "select conveyor.requeue_dead(%s::bigint)"
REQUEUE_DEAD_TYPE = "select conveyor.requeue_dead(p_job_type => %s, p_limit => %s)"
