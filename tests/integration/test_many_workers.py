"""Eight worker processes share one queue: every job runs and completes exactly once."""

from __future__ import annotations

import json

import pytest
from runner_helpers import prepare, scalar, start_worker, wait_for

JOBS = 5000
WORKERS = 8


@pytest.mark.slow
def test_eight_workers_complete_5000_jobs_exactly_once(db_url, conn, tmp_path):
    prepare(conn)
    jobs = [{"job_type": "t_record", "payload": {"n": i}, "priority": i % 3} for i in range(JOBS)]
    ids = {r[0] for r in conn.execute("select conveyor.enqueue_batch(%s::jsonb)", (json.dumps(jobs),))}
    assert len(ids) == JOBS
    workers = [
        start_worker(db_url, tmp_path / f"w{i}.log", "--log-level", "warning", "--concurrency", "25")
        for i in range(WORKERS)
    ]
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.jobs") == 0 or not all(w.alive() for w in workers),
            timeout=240,
            interval=0.5,
            what="the queue to empty",
        )
        assert all(w.alive() for w in workers), "a worker exited early"
    finally:
        codes = [w.stop() for w in workers]
    assert codes == [0] * WORKERS, [w.log() for w in workers]
    for w in workers:
        assert "Traceback" not in w.log(), w.log()
        assert "lease lost" not in w.log(), w.log()

    assert scalar(conn, "select count(*) from conveyor.jobs") == 0
    assert scalar(conn, "select count(*) from conveyor.dead_letters") == 0
    # History: one row per job, every id, first attempt each.
    history = conn.execute("select count(*), count(distinct id), max(attempts) from conveyor.job_history").fetchone()
    assert history == (JOBS, JOBS, 1)
    assert {r[0] for r in conn.execute("select id from conveyor.job_history")} == ids
    # Executions: no crash happened, so no job may have run twice.
    runs = conn.execute("select count(*), count(distinct job_id) from test_runs").fetchone()
    assert runs == (JOBS, JOBS)
    # The work was shared: more than one process ran jobs.
    assert scalar(conn, "select count(distinct pid) from test_runs") > 1
