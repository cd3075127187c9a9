"""The one executor: runs a handler and turns what it did into an ``Outcome``, for every source.

The jobs table, pgmq and Inngest's served functions all run a job through
``execute``: the same handler call (async on the event loop, sync in a thread),
the same timeout, the same meaning for ``Retry`` and ``PermanentFailure`` and any
other exception, the same error text. ``current_executor`` tells a handler (or a
test) which source is running it: ``jobs``, ``pgmq`` or ``inngest``. A job that did
not come from the jobs table has no lease: ``Job.complete_in`` is for jobs-table
jobs only.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
import traceback
import uuid
from concurrent.futures import Executor
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pgconveyor.core.models import Job, PermanentFailure, Retry
from pgconveyor.core.registry import HandlerSpec

current_executor: ContextVar[str] = ContextVar("conveyor_executor", default="jobs")

NO_LEASE = uuid.UUID(int=0)

# What a report may carry. An error text is stored per attempt (fail_job keeps 8 kB
# of it); a retry delay is an interval the database adds to now().
MAX_ERROR_CHARS = 8192
MAX_RETRY_DELAY = 30 * 24 * 3600.0  # 30 days: a later retry is a schedule, not a retry


@dataclass(slots=True)
class Outcome:
    """What one run of a handler came to. ``error`` is None when it succeeded."""

    error: str | None = None
    retry_delay: float | None = None
    permanent: bool = False
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def storable_text(text: str) -> str:
    """An error text PostgreSQL will store: no NUL bytes, valid UTF-8, at most MAX_ERROR_CHARS.

    A NUL byte in a text value is refused outright (22021), and a lone surrogate
    (from a badly decoded byte string) cannot be encoded: either would make the
    report itself fail, and the failure would be lost.
    """
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 20] + "\n... (truncated)"
    return text


def clamp_delay(delay: float | None) -> timedelta | None:
    """A retry delay the database accepts: None (the backoff) or 0 to MAX_RETRY_DELAY seconds.

    ``Retry`` refuses bad delays when raised; this is the reporter's guard for
    anything that got past it (a subclass, a changed attribute).
    """
    if delay is None:
        return None
    try:
        seconds = float(delay)
    except (TypeError, ValueError):
        return None
    if math.isnan(seconds):
        return None
    return timedelta(seconds=min(max(seconds, 0.0), MAX_RETRY_DELAY))


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
    """A Job for a source without leases (pgmq, Inngest)."""
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


def _timeout_of(spec: HandlerSpec, job: Job, limit: float | None) -> float | None:
    own = job.timeout.total_seconds() if job.timeout else spec.timeout
    if limit is None:
        return own
    return min(own, limit) if own else limit


async def execute(
    spec: HandlerSpec | None,
    job: Job,
    source: str,
    *,
    limit: float | None = None,
    pool: Executor | None = None,
    missing: str = "",
) -> Outcome:
    """Run ``job``'s handler and classify the result; never raises except CancelledError.

    ``limit`` caps the handler's own timeout (pgmq: the visibility timeout). ``pool``
    runs sync handlers (default: asyncio's). ``spec`` None is a job type without a
    handler here: a failure whose text says so (``missing`` adds what this runner has).
    """
    started = time.perf_counter()
    outcome = Outcome()
    token = current_executor.set(source)
    timeout = None
    try:
        if spec is None:
            raise NoHandlerError(f"no handler for job type {job.job_type!r}{missing}")
        timeout = _timeout_of(spec, job, limit)
        if spec.is_async:
            call: Any = spec.func(job)
        else:
            # The context is copied so that sync handlers see current_executor too.
            ctx = contextvars.copy_context()
            call = asyncio.get_running_loop().run_in_executor(pool, ctx.run, spec.func, job)
        if timeout:
            await asyncio.wait_for(call, timeout)
        else:
            await call
    except asyncio.CancelledError:
        # Shutdown past the grace period: the job is handed back, not failed.
        raise
    except TimeoutError:
        outcome.error = f"TimeoutError: handler ran longer than its {timeout or 0:g} s timeout"
    except Retry as exc:
        outcome.error, outcome.retry_delay = storable_text(f"Retry: {exc}"), exc.delay
    except PermanentFailure as exc:
        outcome.error, outcome.permanent = storable_text(f"PermanentFailure: {exc}"), True
    except NoHandlerError as exc:
        outcome.error = storable_text(f"NoHandlerError: {exc}")
    except Exception as exc:
        text = "".join(traceback.format_exception(exc, limit=8))
        outcome.error = storable_text(f"{type(exc).__name__}: {exc}\n{text}")
    finally:
        current_executor.reset(token)
    outcome.duration = time.perf_counter() - started
    return outcome


class NoHandlerError(Exception):
    pass
