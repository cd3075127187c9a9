"""``conveyor worker --fair`` (or CONVEYOR_FAIR=true): a flood of one type cannot starve another's trickle.

The flood's jobs are all older than the trickle's one job, at the same priority, so
a strict claim (the default) takes only flood jobs. The handlers hold their slot
(``fair_handlers``), and each worker has as many slots as its batch: it claims once
and waits, so the jobs left running are exactly what its first claim took.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from runner_helpers import Proc, enqueue, run_cli, wait_for

FLOOD = 20


def running(conn: psycopg.Connection[Any]) -> dict[str, int]:
    rows = conn.execute(
        "select job_type, running from conveyor.job_status where job_type in ('fair_flood', 'fair_trickle')"
    ).fetchall()
    return {job_type: n for job_type, n in rows}


def flood_then_trickle(conn: psycopg.Connection[Any]) -> None:
    for name in ("fair_flood", "fair_trickle"):
        conn.execute("select conveyor.register_job_type(%s)", (name,))
    jobs = [{"payload": {"n": i}} for i in range(FLOOD)]
    conn.execute("select conveyor.enqueue_batch(%s::jsonb, 'fair_flood')", (json.dumps(jobs),))
    enqueue(conn, "fair_trickle")  # a later transaction: due after every flood job


def first_claims(
    db_url: str, conn: psycopg.Connection[Any], log: Path, args: list[str], claimed: int = 2, **env: str
) -> dict[str, int]:
    """Start a worker with ``args``; once it holds ``claimed`` jobs, how many of each type."""
    flood_then_trickle(conn)
    worker = Proc(
        db_url,
        [
            "worker",
            "--handlers",
            "fair_handlers",
            "--no-pgmq",
            "--concurrency",
            "2",
            "--batch-size",
            "2",
            "--grace",
            "0.1",
            *args,
        ],
        log,
        **env,
    )
    try:
        wait_for(
            lambda: sum(running(conn).values()) >= claimed or not worker.alive(),
            what=f"the worker to hold {claimed} jobs",
        )
        assert worker.alive(), worker.log()
        return running(conn)
    finally:
        # The handlers never finish: a short grace, then their jobs are handed back.
        try:
            assert worker.stop(timeout=60) == 0, worker.log()
        finally:
            worker.kill()


def test_fair_worker_claims_the_trickle_in_its_first_claim(db_url, conn, tmp_path):
    assert first_claims(db_url, conn, tmp_path / "worker.log", ["--fair"]) == {"fair_flood": 1, "fair_trickle": 1}


def test_without_fair_the_flood_fills_the_first_claim(db_url, conn, tmp_path):
    assert first_claims(db_url, conn, tmp_path / "worker.log", []) == {"fair_flood": 2, "fair_trickle": 0}


def test_conveyor_fair_env_turns_it_on(db_url, conn, tmp_path):
    held = first_claims(db_url, conn, tmp_path / "worker.log", [], CONVEYOR_FAIR="true")
    assert held == {"fair_flood": 1, "fair_trickle": 1}


def test_no_fair_overrides_the_env(db_url, conn, tmp_path):
    held = first_claims(db_url, conn, tmp_path / "worker.log", ["--no-fair"], CONVEYOR_FAIR="true")
    assert held == {"fair_flood": 2, "fair_trickle": 0}


@pytest.mark.slow
def test_every_process_claims_fairly(db_url, conn, tmp_path):
    # Two processes of two slots: the first to claim takes the trickle beside a flood
    # job, the other two flood jobs. Were --fair not passed on, all four would be flood.
    held = first_claims(db_url, conn, tmp_path / "sup.log", ["--processes", "2", "--fair"], claimed=4)
    assert held == {"fair_flood": 3, "fair_trickle": 1}


def test_bad_conveyor_fair_is_a_one_line_error(db_url):
    result = run_cli(db_url, "worker", "--handlers", "fair_handlers", "--once", CONVEYOR_FAIR="maybe")
    assert result.returncode == 2, result
    assert result.stderr.strip() == "conveyor: error: CONVEYOR_FAIR must be true or false, got 'maybe'"
