"""Running one handler outside the jobs-table worker: for pgmq messages and Inngest function runs.

Every executor calls the same handler registry with the same ``Job`` model, so one
handler module serves the jobs table, pgmq and Inngest. ``current_executor`` tells a
handler (or a test) which executor is running it: ``jobs``, ``pgmq`` or ``inngest``.
A job that did not come from the jobs table has no lease: ``Job.complete_in`` is for
jobs-table jobs only.
"""

from __future__ import annotations

import asyncio
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pgconveyor.core.models import Job
from pgconveyor.core.registry import HandlerSpec

current_executor: ContextVar[str] = ContextVar("conveyor_executor", default="jobs")

NO_LEASE = uuid.UUID(int=0)


def make_job(
    job_id: int,
    job_type: str,
    payload: dict[str, Any],
    *,
    attempt: int,
    max_attempts: int,
    created_at: datetime | None = None,
    locked_until: datetime | None = None,
) -> Job:
    now = datetime.now(UTC)
    return Job(
        job_id,
        job_type,
        payload,
        0,
        attempt,
        max_attempts,
        NO_LEASE,
        locked_until or now,
        created_at or now,
        created_at or now,
        now,
        None,
    )


async def run_handler(spec: HandlerSpec, job: Job, executor: str, timeout: float | None = None) -> None:
    """Run the handler of ``job`` with ``current_executor`` set; sync handlers run in a thread."""
    token = current_executor.set(executor)
    try:
        # asyncio.to_thread copies the context, so sync handlers see the executor too.
        call = spec.func(job) if spec.is_async else asyncio.to_thread(spec.func, job)
        limit = spec.timeout if timeout is None else (min(timeout, spec.timeout) if spec.timeout else timeout)
        if limit:
            await asyncio.wait_for(call, limit)
        else:
            await call
    finally:
        current_executor.reset(token)
