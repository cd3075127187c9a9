"""pg_cron for real: reconcile against cron.job, and pg_cron firing a schedule.

pg_cron runs in one database of the cluster (cron.database_name: `conveyor` in the
embedded cluster), and `create extension pg_cron` fails anywhere else, so test
databases, which are clones, have no cron schema. pg_cron 1.4's
cron.schedule_in_database lets that database's pg_cron run a job in a test database.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
from runner_helpers import wait_for

from pgconveyor.ops.migrate import migrate


def _wait_for(check, timeout: float, what: str):
    return wait_for(check, timeout=timeout, interval=0.2, what=what)


def _conveyor_jobs(url):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "select jobid, jobname, schedule, command, active from cron.job "
            "where jobname like 'conveyor\\_%' and database = current_database() order by jobid"
        ).fetchall()


def test_migrating_twice_changes_no_cron_job(cron_url):
    migrate(cron_url)
    before = _conveyor_jobs(cron_url)
    assert {"conveyor_calendar_sync", "conveyor_risk_check", "conveyor_housekeeping"} <= {j[1] for j in before}
    migrate(cron_url)
    assert _conveyor_jobs(cron_url) == before


def test_reconcile_owns_only_its_jobs(cron_url):
    migrate(cron_url)  # idempotent: the cron database gets the conveyor schema too
    tag = uuid.uuid4().hex[:8]
    name, stray, foreign = f"recon_{tag}", f"conveyor_stray_{tag}", f"other_tool_{tag}"
    with psycopg.connect(cron_url, autocommit=True) as conn:

        def job(jobname):
            return conn.execute(
                "select schedule, command, active from cron.job where jobname = %s", (jobname,)
            ).fetchone()

        conn.execute("select cron.schedule(%s, '0 0 * * *', 'select 1')", (foreign,))
        conn.execute("select cron.schedule(%s, '0 0 * * *', 'select 1')", (stray,))
        try:
            conn.execute("select conveyor.add_schedule(%s, '*/7 * * * *', 'alert')", (name,))
            assert job(f"conveyor_{name}") == ("*/7 * * * *", f"select conveyor.run_schedule('{name}')", True)
            assert job(stray) is None, "a conveyor_ job with no schedule row is removed"
            assert job(foreign) == ("0 0 * * *", "select 1", True), "other jobs are not touched"

            again = conn.execute("select conveyor.reconcile_schedules()").fetchone()[0]
            assert again["scheduled"] == [] and again["unscheduled"] == [], "a second reconcile changes nothing"

            conn.execute("select conveyor.add_schedule(%s, '*/9 * * * *', 'alert')", (name,))
            assert job(f"conveyor_{name}")[0] == "*/9 * * * *", "a changed expression is applied"
            conn.execute("select conveyor.set_schedule_enabled(%s, false)", (name,))
            assert job(f"conveyor_{name}") is None, "pause removes the pg_cron job"
            conn.execute("select conveyor.set_schedule_enabled(%s, true)", (name,))
            assert job(f"conveyor_{name}") is not None, "resume brings it back"
            conn.execute("select conveyor.remove_schedule(%s)", (name,))
            assert job(f"conveyor_{name}") is None, "remove removes it"
            assert job(foreign) is not None
            names = {r[0] for r in conn.execute("select jobname from cron.job where jobname like 'conveyor\\_%'")}
            assert {"conveyor_calendar_sync", "conveyor_risk_check", "conveyor_housekeeping"} <= names
        finally:
            conn.execute("delete from conveyor.schedules where name = %s", (name,))
            conn.execute(
                "select cron.unschedule(jobid) from cron.job where jobname = any(%s)",
                ([foreign, stray, f"conveyor_{name}"],),
            )


@pytest.mark.slow
def test_pg_cron_fires_a_schedule(cron_url, db_url, conn):
    """pg_cron has minute granularity: this waits for the next minute (up to about 70 s, 180 s allowed)."""
    conn.execute("update conveyor.schedules set enabled = false")
    conn.execute("select conveyor.add_schedule('cron_fired', '* * * * *', 'risk_check')")
    test_db = urlsplit(db_url).path.lstrip("/")
    jobname = f"conveyor_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cron_url, autocommit=True) as cron:
        jobid = cron.execute(
            "select cron.schedule_in_database(%s, '* * * * *', %s, %s)",
            (jobname, "select conveyor.run_schedule('cron_fired')", test_db),
        ).fetchone()[0]
        try:
            _wait_for(
                lambda: conn.execute(
                    "select count(*) from conveyor.schedule_runs where schedule = 'cron_fired' and via = 'cron'"
                ).fetchone()[0],
                180,
                "pg_cron to run the schedule",
            )
            status = _wait_for(
                lambda: cron.execute(
                    "select status from cron.job_run_details where jobid = %s and status in ('succeeded', 'failed') "
                    "order by runid limit 1",
                    (jobid,),
                ).fetchone(),
                60,
                "pg_cron to record the run",
            )
            assert status == ("succeeded",)
        finally:
            cron.execute("select cron.unschedule(%s)", (jobid,))
            cron.execute("delete from cron.job_run_details where jobid = %s", (jobid,))
    job = conn.execute("select job_type, dedup_key from conveyor.jobs").fetchall()
    assert job == [("risk_check", "schedule:cron_fired")]
    health = conn.execute("select * from conveyor.schedule_health where schedule = 'cron_fired'").fetchone()
    assert health is not None
    assert conn.execute(
        "select missed, runs_24h >= 1 from conveyor.schedule_health where schedule = 'cron_fired'"
    ).fetchone() == (False, True)
