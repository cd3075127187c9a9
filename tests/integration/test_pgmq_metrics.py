"""pgmq work in /metrics: the real pgmq consumer runs messages, and their outcomes show per job type."""

from __future__ import annotations

import asyncio

from executor_harness import Recorder, dispatch, scalar, wait_until, with_runner
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from pgconveyor.ops.http import create_app


def test_pgmq_outcomes_reach_metrics_per_job_type(db_url):
    rec = Recorder()
    for i in range(3):
        dispatch(db_url, "alert", {"n": i})
    dispatch(db_url, "alert", {"always_fail": True})

    async def body():
        await wait_until(
            lambda: (
                scalar(db_url, "select count(*) from pgmq.q_alert_jobs_dlq") == 1
                and scalar(db_url, "select count(*) from pgmq.a_alert_jobs") == 3
            ),
            "three acknowledged and one dead-lettered",
        )

    asyncio.run(with_runner(db_url, rec.handlers(), None, body))

    with TestClient(create_app(db_url, cron_secret="x"), raise_server_exceptions=False) as client:
        r = client.get("/metrics")
    assert r.status_code == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(r.text)
        for s in f.samples
    }
    alert = (("job_type", "alert"),)
    assert samples[("conveyor_jobs_completed_last_hour", alert)] == 3
    # Two failed reads, then the burial on the third.
    assert samples[("conveyor_jobs_failed_last_hour", alert)] == 3
    assert samples[("conveyor_dead_letters", alert)] == 1
    assert samples[("conveyor_error_rate", alert)] == 0.5
    assert samples[("conveyor_job_run_seconds_gcount", alert)] == 3
