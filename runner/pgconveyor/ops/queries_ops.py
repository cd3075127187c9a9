"""Statements for schedules, housekeeping and health: each calls a conveyor.* function or reads a conveyor view.

Kept beside runner/queries.py (same rule: no table DML in Python) so the engine's
statements and the operations' statements can change independently.
"""

LIST_SCHEDULES = """
select schedule, cron, job_type, action, enabled, next_run_at, last_run_at, last_job_id, missed,
       cron_job, cron_status, cron_started_at, cron_message
from conveyor.list_schedules()
"""
ADD_SCHEDULE = """
select (s).name from conveyor.add_schedule(
    p_name => %(name)s, p_cron => %(cron)s, p_job_type => %(job_type)s, p_payload => %(payload)s,
    p_priority => %(priority)s, p_enabled => %(enabled)s, p_description => %(description)s
) as s
"""
REMOVE_SCHEDULE = "select conveyor.remove_schedule(%s)"
SET_SCHEDULE_ENABLED = "select conveyor.set_schedule_enabled(%s, %s)"
RUN_SCHEDULE_NOW = "select conveyor.run_schedule(%s, p_via => 'manual')"
TICK = "select schedule, due_at, job_id from conveyor.tick()"
HOUSEKEEPING = "select conveyor.housekeeping()"
HEALTH = "select conveyor.health()"
HYBRID_STATUS = "select conveyor.hybrid_status()"

QUEUE_HEALTH = """
select job_type, ready, scheduled, running, completed_1h, failed_1h, dead,
       extract(epoch from oldest_ready_age)::float8, per_minute::float8, error_rate::float8
from conveyor.queue_health
order by job_type
"""
SCHEDULE_LAG = """
select schedule, extract(epoch from lag)::float8, missed, enabled,
       extract(epoch from now() - last_run_at)::float8
from conveyor.schedule_health
order by schedule
"""
WORKER_PROCESSED = "select worker, processed, failed, live, in_flight from conveyor.worker_health order by worker"
RUN_TIME_BUCKETS = (
    "select job_type, counts, total, sum_seconds from conveyor.run_time_buckets(%s::interval, %s::float8[])"
)

LIST_SETTINGS = "select name, value, description from conveyor.list_settings()"
SET_SETTING = "select conveyor.set_setting(%s, %s)"

# -- the dead-letter desk: jobs table and every pgmq <queue>_dlq (issue 9) ----------
DLQ_TRIAGE = """
select queue, job_type, fingerprint_id, fingerprint, count, first_seen, last_seen, sample_id
from conveyor.dlq_triage(%(queue)s, %(job_type)s)
"""
DLQ_EACH = """
select queue, id, job_id, job_type, reason, error, fingerprint_id, died_at, attempts
from conveyor.dlq_list(%(queue)s, %(job_type)s, %(fingerprint)s, %(limit)s)
"""
DLQ_SHOW = "select conveyor.dlq_show(%(id)s, coalesce(%(queue)s, 'jobs'))"
DLQ_REQUEUE = """
select queue, id, job_type, result
from conveyor.dlq_requeue(%(queue)s, %(id)s, %(job_type)s, %(fingerprint)s, %(limit)s)
"""
DLQ_PURGE = """
select queue, id, job_type, 'purged'
from conveyor.dlq_purge(%(queue)s, %(id)s, %(job_type)s, %(fingerprint)s, %(limit)s)
"""
