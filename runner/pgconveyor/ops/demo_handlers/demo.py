"""Demo handlers for the original design's job types: harmless, visible work.

Every demo handler honours two payload keys, so that ``make run`` can show retries
and dead letters: ``fail_times`` (fail the first N attempts, then succeed) and
``always_fail`` (fail every attempt, ending in the dead-letter table).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random

from pgconveyor.core.models import Job
from pgconveyor.core.registry import handler

log = logging.getLogger("conveyor.demo")


class DemoFailure(RuntimeError):
    pass


def _maybe_fail(job: Job) -> None:
    payload = job.payload
    if payload.get("always_fail"):
        raise DemoFailure(f"{job.job_type} {job.id}: simulated failure on every attempt (attempt {job.attempt})")
    if job.attempt <= int(payload.get("fail_times", 0)):
        raise DemoFailure(f"{job.job_type} {job.id}: simulated transient failure (attempt {job.attempt})")


async def _work(job: Job, seconds: float | None = None) -> None:
    _maybe_fail(job)
    await asyncio.sleep(seconds if seconds is not None else float(job.payload.get("sleep", 0.002)))


@handler("calendar_sync")
async def calendar_sync(job: Job) -> None:
    await _work(job)


@handler("risk_check")
async def risk_check(job: Job) -> None:
    await _work(job)


@handler("housekeeping")
def housekeeping(job: Job) -> None:
    # A sync handler: runs in the worker's thread pool.
    _maybe_fail(job)
    hashlib.sha256(repr(job.payload).encode()).hexdigest()


@handler("execution")
async def execution(job: Job) -> None:
    await _work(job, random.uniform(0.001, 0.005))


@handler("order_close")
async def order_close(job: Job) -> None:
    await _work(job)


@handler("alert")
async def alert(job: Job) -> None:
    await _work(job)


@handler("metric")
async def metric(job: Job) -> None:
    await _work(job, 0)
