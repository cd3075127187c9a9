"""How an idle worker learns of new work: NOTIFY on conveyor_jobs, and polling where LISTEN is unavailable."""

from __future__ import annotations

import time

import pytest
from runner_helpers import prepare, scalar, start_worker, wait_for


def listeners(conn) -> int:
    return scalar(
        conn,
        "select count(*) from pg_stat_activity where datname = current_database() and query = 'listen conveyor_jobs'",
    )


def completed(conn, job_id: int) -> bool:
    return bool(scalar(conn, "select count(*) from conveyor.job_history where id = %s", (job_id,)))


@pytest.mark.slow
def test_notify_wakes_an_idle_worker_long_before_its_next_poll(db_url, conn, tmp_path):
    prepare(conn)
    worker = start_worker(db_url, tmp_path / "w.log", "--poll-interval", "120")
    try:
        wait_for(
            lambda: listeners(conn),
            what="the worker to LISTEN",
        )
        # A first job, then the claim that follows it: once that claim has come back
        # empty, the worker is waiting out a 120 s poll and only a NOTIFY can wake it.
        first = scalar(conn, "select conveyor.enqueue('t_record')")
        wait_for(lambda: completed(conn, first), timeout=100, what="the first job to complete")
        wait_for(
            lambda: scalar(
                conn,
                "select count(*) from pg_stat_activity where datname = current_database()"
                " and query like '%%claim_batch%%' and state = 'idle'"
                " and query_start > (select max(at) from public.test_runs)",
            ),
            what="the worker's claim after the first job to come back empty",
        )
        job = scalar(conn, "select conveyor.enqueue('t_record')")
        started = time.monotonic()
        wait_for(lambda: completed(conn, job), timeout=100, what="the job to complete")
        # Only a notification can explain a pickup well within the 120 s poll interval.
        assert time.monotonic() - started < 100
    finally:
        assert worker.stop() == 0, worker.log()


def test_polling_alone_finds_work_without_listen(db_url, conn, tmp_path):
    prepare(conn)
    worker = start_worker(db_url, tmp_path / "w.log", "--no-listen")
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.workers where pid = %s", (worker.pid,)),
            what="the worker's heartbeat",
        )
        job = scalar(conn, "select conveyor.enqueue('t_record')")
        wait_for(lambda: completed(conn, job), what="the job to complete by polling")
        assert listeners(conn) == 0
    finally:
        assert worker.stop() == 0, worker.log()
