"""Worker processes stopped, killed and cut off mid-work: nothing is lost, nothing runs twice."""

from __future__ import annotations

import json
import signal
import time

import pytest
from runner_helpers import prepare, run_cli, scalar, start_worker, wait_for


def running(conn) -> int:
    return scalar(conn, "select count(*) from conveyor.jobs where state = 'running'")


@pytest.mark.slow
def test_sigterm_mid_batch_finishes_in_flight_jobs_and_hands_back_the_rest(db_url, conn, tmp_path):
    prepare(conn)
    # Claim order is priority first: 4 short jobs and 4 that outlive the grace
    # period fill the worker's 8 slots; 10 more wait behind them (claimed only if
    # the short ones finish before the signal arrives).
    short = [scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 2}', 10)") for _ in range(4)]
    long = [scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 600}', 5)") for _ in range(4)]
    rest = [scalar(conn, "select conveyor.enqueue('t_record', '{}', 0)") for _ in range(10)]
    grace = 6
    worker = start_worker(db_url, tmp_path / "w1.log", "--concurrency", "8", "--batch-size", "8", "--grace", str(grace))
    try:
        # The long jobs hold their slots; the short ones are normally still running
        # too, but on a slow machine they may have finished: either way they must end completed.
        wait_for(
            lambda: (
                scalar(conn, "select count(*) from conveyor.jobs where state = 'running' and id = any(%s)", (long,))
                == 4
            ),
            what="the long jobs in flight",
        )
        worker.signal(signal.SIGTERM)
        started = time.monotonic()
        code = worker.wait(timeout=grace + 30)
    finally:
        worker.kill()
    assert code == 0, worker.log()
    assert time.monotonic() - started < grace + 30

    # The short jobs finished within the grace period and were completed.
    done = {r[0] for r in conn.execute("select id from conveyor.job_history")}
    assert set(short) <= done
    # The long ones were handed back unrun: queued, the attempt not counted.
    back = dict(conn.execute("select id, attempts from conveyor.jobs where id = any(%s)", (long,)).fetchall())
    assert back == dict.fromkeys(long, 0), worker.log()
    assert scalar(conn, "select count(*) from conveyor.jobs where state = 'running'") == 0
    # Every job is accounted for: completed, or waiting in the queue.
    queued = {r[0] for r in conn.execute("select id from conveyor.jobs where state = 'queued'")}
    assert done | queued == set(short) | set(long) | set(rest)
    assert not done & queued
    assert "stop requested" in worker.log()

    # Another worker completes what was handed back (its handlers do not sleep).
    result = run_cli(db_url, "worker", "--once", "--handlers", "handlers_for_tests", TEST_MAX_SLEEP="0")
    assert result.returncode == 0, result.stderr
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0
    history = conn.execute("select id, count(*) from conveyor.job_history group by id").fetchall()
    assert {r[0] for r in history} == set(short) | set(long) | set(rest)
    assert all(r[1] == 1 for r in history)
    assert (
        conn.execute("select attempts from conveyor.job_history where id = any(%s)", (long,)).fetchall() == [(1,)] * 4
    )
    runs = conn.execute("select job_id, count(*) from test_runs group by job_id").fetchall()
    assert dict(runs) == dict.fromkeys(short + long + rest, 1)


@pytest.mark.slow
def test_second_signal_stops_at_once(db_url, conn, tmp_path):
    prepare(conn)
    job = scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 600}')")
    worker = start_worker(db_url, tmp_path / "w.log", "--grace", "600", "--lease", "2")
    try:
        wait_for(lambda: running(conn) == 1, what="the job in flight")
        worker.signal(signal.SIGTERM)
        wait_for(lambda: "stop requested" in worker.log(), what="the first signal to be seen")
        worker.signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    finally:
        worker.kill()
    # Not a clean stop: a non-zero exit, long before the 600 s grace period.
    assert code != 0, worker.log()
    assert "second stop signal" in worker.log()
    # The job was not lost: whether handed back or left to its lease, a worker completes it.
    conn.execute("select conveyor.register_job_type('t_record', p_backoff_base => '0.1 seconds')")
    again = start_worker(db_url, tmp_path / "w2.log", TEST_MAX_SLEEP="0")
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.job_history where id = %s", (job,)),
            timeout=60,
            what="the job to complete with the second worker",
        )
    finally:
        assert again.stop() == 0, again.log()
    assert scalar(conn, "select count(*) from test_runs where job_id = %s", (job,)) == 1


@pytest.mark.slow
def test_sigkill_mid_job_is_rescued_after_its_lease_and_completes_once(db_url, conn, tmp_path):
    prepare(conn)
    job = scalar(conn, "select conveyor.enqueue('t_record', '{\"hang_first\": true}')")
    first = start_worker(db_url, tmp_path / "w1.log", "--lease", "2")
    try:
        wait_for(lambda: running(conn) == 1, what="the job in flight")
        first.popen.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        first.kill()
    # The killed worker left the job running under its lease.
    assert conn.execute("select state::text, attempts from conveyor.jobs where id = %s", (job,)).fetchone() == (
        "running",
        1,
    )

    second = start_worker(db_url, tmp_path / "w2.log", "--lease", "2")
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.job_history where id = %s", (job,)),
            timeout=60,
            what="the job to be rescued and completed",
        )
    finally:
        assert second.stop() == 0, second.log()
    # Worker names are host:pid:suffix.
    history = conn.execute("select attempts, worker from conveyor.job_history where id = %s", (job,)).fetchall()
    assert len(history) == 1 and history[0][0] == 2
    assert f":{second.pid}:" in history[0][1]
    # It ran to the end once (attempt 2); attempt 1 died with its worker.
    assert conn.execute("select attempt, pid from test_runs").fetchall() == [(2, second.pid)]
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0


@pytest.mark.slow
def test_lost_connections_are_retried_and_no_job_is_lost(db_url, conn, tmp_path):
    prepare(conn)
    n = 300
    # 300 jobs of 0.1 s on 10 slots: at least 3 s of work, enough to cut it off several times.
    jobs = [{"job_type": "t_record", "payload": {"sleep": 0.1}} for _ in range(n)]
    ids = [r[0] for r in conn.execute("select conveyor.enqueue_batch(%s::jsonb)", (json.dumps(jobs),))]
    # A short lease: a claim whose answer is lost with its connection is rescued quickly.
    worker = start_worker(db_url, tmp_path / "w.log", "--concurrency", "10", "--batch-size", "10", "--lease", "2")
    kill = (
        "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity "
        "where datname = current_database() and application_name = 'conveyor' and pid <> pg_backend_pid()"
    )
    try:
        wait_for(lambda: scalar(conn, "select count(*) from test_runs") >= 20, what="work under way")
        terminated = 0
        remaining = []
        for _ in range(3):
            remaining.append(scalar(conn, "select count(*) from conveyor.jobs"))
            done = scalar(conn, "select count(*) from test_runs")
            terminated += scalar(conn, kill)
            # The worker reconnected and runs jobs again before the next cut.
            wait_for(
                lambda done=done: scalar(conn, "select count(*) from test_runs") > done + 5,
                timeout=120,
                what="work to resume after the cut",
            )
            assert worker.alive(), worker.log()
        assert terminated >= 3
        assert remaining[0] > 0, "the work ended before the connections were cut"
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.jobs") == 0,
            timeout=120,
            what="every job to complete",
        )
        assert worker.alive(), worker.log()
    finally:
        code = worker.stop()
    assert code == 0, worker.log()
    log = worker.log()
    assert "database unreachable; retrying with backoff" in log
    assert "Traceback" not in log
    history = conn.execute("select id, count(*) from conveyor.job_history group by id").fetchall()
    assert {r[0] for r in history} == set(ids)
    assert all(r[1] == 1 for r in history)
    assert scalar(conn, "select count(distinct job_id) from test_runs") == n
