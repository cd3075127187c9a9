"""What a real worker process does with each kind of outcome: retries, dead letters, no handler, long jobs."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from runner_helpers import prepare, run_cli, scalar, start_worker, wait_for


@pytest.mark.slow
def test_raising_handler_retries_with_growing_backoff_then_dead_letters(db_url, conn, tmp_path):
    prepare(conn)
    base = 1.0
    conn.execute(
        "select conveyor.register_job_type('t_record', p_max_attempts => 4, "
        "p_backoff_base => %s * interval '1 second', p_backoff_cap => '1 minute')",
        (base,),
    )
    job_id = scalar(conn, "select conveyor.enqueue('t_record', '{\"fail\": true}')")
    worker = start_worker(db_url, tmp_path / "worker.log")
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.dead_letters where id = %s", (job_id,)),
            timeout=90,
            what="the job to reach the dead letters",
        )
        assert worker.alive(), worker.log()
    finally:
        assert worker.stop() == 0, worker.log()

    attempts, reason, errors, last_error = conn.execute(
        "select attempts, reason, errors, last_error from conveyor.dead_letters where id = %s", (job_id,)
    ).fetchone()
    assert attempts == 4 and reason == "attempts exhausted"
    assert [e["attempt"] for e in errors] == [1, 2, 3, 4]
    for e in errors:
        assert e["error"].startswith(f"ValueError: boom on attempt {e['attempt']}")
    assert last_error.startswith("ValueError: boom on attempt 4")
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0

    # The delay fail_job chose after attempt k is attempt k+1's run_at (recorded by
    # the handler from its claimed job) minus attempt k's failure time (kept in the
    # dead letter): both are now() of fail_job's transaction, so the difference is exact.
    run_at = dict(conn.execute("select attempt, run_at from test_runs where job_id = %s", (job_id,)).fetchall())
    assert sorted(run_at) == [1, 2, 3, 4]
    delays = {k: (run_at[k + 1] - _dt(errors[k - 1]["failed_at"])).total_seconds() for k in (1, 2, 3)}
    # Equal jitter: the delay after attempt k is in [d/2, d] with d = base * 2^(k-1).
    for k, delay in delays.items():
        nominal = base * 2 ** (k - 1)
        assert nominal / 2 - 0.001 <= delay <= nominal + 0.001, (k, delay)
    assert delays[1] <= delays[2] <= delays[3], delays
    # And no attempt started before its retry was due.
    for k in (1, 2, 3):
        assert _dt(errors[k]["started_at"]) >= run_at[k + 1]


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_job_type_without_a_handler_waits_and_is_flagged(db_url, conn, tmp_path):
    prepare(conn)
    conn.execute("select conveyor.register_job_type('t_orphan', p_max_attempts => 1)")
    orphan = scalar(conn, "select conveyor.enqueue('t_orphan', '{\"x\": 1}')")
    worker = start_worker(db_url, tmp_path / "worker.log")
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.workers where %s = pid", (worker.pid,)),
            what="the worker's heartbeat",
        )
        # The worker is claiming: a job it can run completes while the orphan waits.
        ok = scalar(conn, "select conveyor.enqueue('t_record')")
        wait_for(lambda: scalar(conn, "select count(*) from conveyor.job_history where id = %s", (ok,)), what="ok")
        assert conn.execute("select state::text, attempts from conveyor.jobs where id = %s", (orphan,)).fetchone() == (
            "queued",
            0,
        )

        rows = {r["job_type"]: r for r in json.loads(run_cli(db_url, "status", "--json").stdout)}
        assert rows["t_orphan"]["ready"] == 1 and rows["t_orphan"]["live_workers"] == 0
        assert rows["t_record"]["live_workers"] == 1
        table = run_cli(db_url, "status").stdout
        assert "t_orphan: 1 job(s) waiting with no handler in any live worker" in table
        assert "t_record: " not in table.split("\n\n", 1)[-1]
    finally:
        assert worker.stop() == 0, worker.log()

    # A runner told to claim the type anyway fails it with a clear error.
    forced = run_cli(db_url, "worker", "--once", "--job-types", "t_orphan")
    assert forced.returncode == 0, forced.stderr
    error = scalar(conn, "select last_error from conveyor.dead_letters where id = %s", (orphan,))
    assert error is not None and error.startswith("NoHandlerError: no handler for job type 't_orphan'"), error


@pytest.mark.slow
def test_handler_slower_than_its_lease_keeps_it_through_heartbeats(db_url, conn, tmp_path):
    prepare(conn)
    # Sleeps for more than two leases. Heartbeats renew a lease when half of it is
    # left, checked every second: a 5 s lease leaves 1.5 s of slack for a slow machine.
    job_id = scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 11}')")
    result = run_cli(db_url, "worker", "--once", "--lease", "5", "--handlers", "handlers_for_tests", timeout=90)
    assert result.returncode == 0, result.stderr
    assert "lease lost" not in result.stderr
    assert scalar(conn, "select count(*) from test_runs where job_id = %s", (job_id,)) == 1
    # One attempt: the lease was never lost, rescued or reclaimed.
    assert conn.execute("select attempts from conveyor.job_history where id = %s", (job_id,)).fetchall() == [(1,)]
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0


def test_per_type_timeout_fails_a_handler_that_runs_too_long(db_url, conn):
    prepare(conn)
    conn.execute("select conveyor.register_job_type('t_record', p_max_attempts => 1, p_timeout => '1 second')")
    job_id = scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 30}')")
    started = time.monotonic()
    result = run_cli(db_url, "worker", "--once", "--handlers", "handlers_for_tests", timeout=60)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30, "the handler was not cut off"
    error = scalar(conn, "select last_error from conveyor.dead_letters where id = %s", (job_id,))
    assert error == "TimeoutError: handler ran longer than its 1 s timeout", (
        result.stderr,
        conn.execute("select * from conveyor.jobs").fetchall(),
    )
    assert scalar(conn, "select count(*) from test_runs") == 0
