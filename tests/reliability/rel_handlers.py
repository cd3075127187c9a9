"""Handlers for the reliability suite's worker processes: every run is written to a ledger.

Loaded by ``conveyor worker --handlers rel_handlers`` (PYTHONPATH points here). The
ledger ``public.rel_runs`` lives in the test database but outside ``conveyor``: it is
the handler's own side effect, so the suite can count how often each job really ran.
Payload keys steer the run: ``sleep`` (seconds), ``crash`` (SIGKILL this worker on
every attempt up to that number; ``-1`` on every attempt), ``fail_p`` (probability of
raising), ``hold_until_rerun`` (return only once the job has run elsewhere), ``tx``
(write a row and complete in the same transaction), ``tx_raise`` (write, complete,
then raise: both must roll back).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import psycopg

from pgconveyor.core.models import Job
from pgconveyor.core.registry import handler

_local = threading.local()
_opened: list[psycopg.Connection] = []


def _conn() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed or conn.broken:
        conn = psycopg.connect(os.environ["REL_DB_URL"], autocommit=True, prepare_threshold=None)
        _local.conn = conn
        _opened.append(conn)
    return conn


def close_connections() -> None:
    """For in-process workers: close the ledger connections the handler threads opened."""
    while _opened:
        _opened.pop().close()


def _record(job: Job) -> None:
    _conn().execute(
        "insert into public.rel_runs (job_id, attempt, pid, lease_token) values (%s, %s, %s, %s)",
        (job.id, job.attempt, os.getpid(), job.lease_token),
    )


@handler("rel_work")
def rel_work(job: Job) -> None:
    payload = job.payload
    _record(job)
    crash = int(payload.get("crash", 0))
    if crash == -1 or job.attempt <= crash:
        os.kill(os.getpid(), signal.SIGKILL)
    if payload.get("hold_until_rerun"):
        # Stands in for a handler that outlives its lease: it returns only once another
        # worker has reclaimed the job and started it again.
        deadline = time.monotonic() + 120
        while _conn().execute("select count(*) from public.rel_runs where job_id = %s", (job.id,)).fetchone()[0] < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("nobody reclaimed the job")
            time.sleep(0.1)
    if payload.get("sleep"):
        time.sleep(float(payload["sleep"]))
    if random.random() < float(payload.get("fail_p", 0)):
        raise RuntimeError(f"random failure of job {job.id} attempt {job.attempt}")
    if payload.get("tx") or payload.get("tx_raise"):
        with psycopg.connect(os.environ["REL_DB_URL"], prepare_threshold=None) as conn:
            with conn.transaction():
                conn.execute("insert into public.rel_effects (job_id, attempt) values (%s, %s)", (job.id, job.attempt))
                job.complete_in(conn)
                if payload.get("tx_raise"):
                    raise RuntimeError("handler failed after completing in its transaction")
