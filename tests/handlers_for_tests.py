"""Handlers that the integration and acceptance tests load into real worker processes.

Workers import this module with ``--handlers handlers_for_tests`` (``tests/`` on
PYTHONPATH). Each execution that finishes its work is recorded in
``public.test_runs`` (created by ``runner_helpers.prepare``), on a connection of its
own, so a test can tell how many times each job really ran (``outcome = 'done'``;
a handler that raises records ``'raised'`` first).

Payload keys, all optional:
- ``sleep``: seconds to sleep (asynchronously) before finishing;
  capped by the worker's ``TEST_MAX_SLEEP`` environment variable when set;
- ``hang_first``: on attempt 1, sleep an hour (a worker to be killed mid-job);
- ``fail``: raise on every attempt (``t_record``), with the attempt in the message.

Each row keeps the job's ``run_at`` as claimed: the time its attempt became due.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import psycopg

from pgconveyor.core.models import Job
from pgconveyor.core.registry import handler

_conn: psycopg.AsyncConnection[Any] | None = None


async def _recorder() -> psycopg.AsyncConnection[Any]:
    """One connection per worker process, outside the worker's own (so tests can kill those alone)."""
    global _conn
    if _conn is None or _conn.closed:
        _conn = await psycopg.AsyncConnection.connect(
            os.environ["DATABASE_URL"], autocommit=True, application_name="conveyor-test-recorder"
        )
        # The record is test bookkeeping: it needs no fsync of its own.
        await _conn.execute("set synchronous_commit = off")
    return _conn


async def record(job: Job, outcome: str = "done") -> None:
    conn = await _recorder()
    await conn.execute(
        "insert into public.test_runs (job_id, job_type, attempt, pid, run_at, outcome) "
        "values (%s, %s, %s, %s, %s, %s)",
        (job.id, job.job_type, job.attempt, os.getpid(), job.run_at, outcome),
    )


def _sleep_for(job: Job) -> float:
    seconds = float(job.payload.get("sleep", 0))
    if job.payload.get("hang_first") and job.attempt == 1:
        seconds = 3600.0
    cap = os.environ.get("TEST_MAX_SLEEP")
    return min(seconds, float(cap)) if cap else seconds


@handler("t_record")
async def t_record(job: Job) -> None:
    if job.payload.get("fail"):
        await record(job, "raised")
        raise ValueError(f"boom on attempt {job.attempt}")
    seconds = _sleep_for(job)
    if seconds:
        await asyncio.sleep(seconds)
    await record(job)


@handler("t_fail")
def t_fail(job: Job) -> None:
    # A sync handler (runs in the worker's thread pool) that always raises.
    raise RuntimeError(f"t_fail always fails (attempt {job.attempt})")
