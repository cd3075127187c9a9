"""Runs the whole runner (jobs-table worker, pgmq consumer, outbox forwarder) against a test database.

Handlers record which executor ran which job; a fake Inngest event API (inngest_fake)
runs the Inngest functions through the SDK's test utility when events arrive.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import inngest
import psycopg

from pgconveyor.core.executors import current_executor
from pgconveyor.core.models import Job
from pgconveyor.core.registry import HandlerSpec
from pgconveyor.core.worker import Worker
from pgconveyor.ops.companions import run_with_companions
from pgconveyor.sources.outbox import OutboxForwarder
from pgconveyor.sources.pgmq import PgmqConsumer

JOB_TYPES = ["calendar_sync", "risk_check", "housekeeping", "execution", "order_close", "alert", "metric"]
EVENT_KEY = "test-event-key"
DEADLINE = 90.0  # generous: the machine is shared and slow


class Recorder:
    """Every handler run: (job id, job type, executor)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[tuple[int, str, str]] = []

    def handlers(self) -> dict[str, HandlerSpec]:
        async def run(job: Job) -> None:
            executor = current_executor.get()
            with self.lock:
                self.runs.append((job.id, job.job_type, executor))
            if job.payload.get("always_fail"):
                raise RuntimeError(f"job {job.id}: simulated failure")
            if job.payload.get("fail_outside_inngest") and executor != "inngest":
                raise RuntimeError(f"job {job.id}: simulated failure outside Inngest")

        return {t: HandlerSpec(t, run, True) for t in JOB_TYPES}

    def by_job(self) -> dict[int, list[str]]:
        with self.lock:
            out: dict[int, list[str]] = {}
            for job_id, _type, executor in self.runs:
                out.setdefault(job_id, []).append(executor)
        return {k: sorted(v) for k, v in out.items()}

    def count(self) -> int:
        with self.lock:
            return len(self.runs)


def send_client(url: str) -> inngest.Inngest:
    """A production-mode SDK client whose event API is the fake's."""
    return inngest.Inngest(
        app_id="conveyor-test",
        is_production=True,
        event_key=EVENT_KEY,
        signing_key="signkey-test-0123456789abcdef",
        event_api_base_url=url,
    )


def dispatch(db_url: str, job_type: str, payload: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        args = ", ".join(f"p_{k} => %({k})s" for k in kw)
        sql = "select conveyor.dispatch(%(t)s, %(p)s" + (", " + args if args else "") + ")"
        return conn.execute(sql, {"t": job_type, "p": psycopg.types.json.Jsonb(payload or {}), **kw}).fetchone()[0]


def scalar(db_url: str, sql: str, params: Any = None) -> Any:
    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


async def wait_until(cond: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not await asyncio.to_thread(cond):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def with_runner(
    db_url: str,
    handlers: dict[str, HandlerSpec],
    client: inngest.Inngest | None,
    body: Callable[[], Awaitable[None]],
    *,
    pgmq_vt: int = 30,
) -> None:
    worker = Worker(
        db_url,
        handlers,
        install_signals=False,
        poll_interval=0.1,
        grace=10,
        heartbeat_every=0.5,
        concurrency=5,
    )
    companions: list[Any] = [PgmqConsumer(db_url, handlers, vt=pgmq_vt, poll_interval=0.1)]
    if client is not None:
        companions.append(OutboxForwarder(db_url, client, poll_interval=0.1, batch_size=10))
    task = asyncio.create_task(run_with_companions(worker, companions))
    try:
        await body()
    finally:
        worker.request_stop()
        await asyncio.wait_for(task, 60)
