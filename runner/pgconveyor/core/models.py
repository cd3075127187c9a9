"""The job as the runner sees it, and the exceptions a handler raises to steer its outcome."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pgconveyor.core import queries


class Retry(Exception):
    """Raise in a handler to fail this attempt and retry after ``delay`` seconds (not the backoff)."""

    def __init__(self, message: str = "retry requested", delay: float | None = None):
        # Refused here, where the handler's author sees it (in the job's error and the
        # log), rather than by the database when the outcome is reported.
        if delay is not None:
            if isinstance(delay, bool) or not isinstance(delay, int | float):
                raise TypeError(f"Retry delay must be a number of seconds, got {delay!r}")
            if math.isnan(delay) or math.isinf(delay) or delay < 0:
                raise ValueError(f"Retry delay must be a finite number of seconds >= 0, got {delay!r}")
        super().__init__(message)
        self.delay = delay


class PermanentFailure(Exception):
    """Raise in a handler when retrying can never help: the job goes to the dead letters at once."""


@dataclass(slots=True)
class Job:
    id: int
    job_type: str
    payload: dict[str, Any]
    priority: int
    attempt: int
    max_attempts: int
    lease_token: uuid.UUID
    locked_until: datetime
    created_at: datetime
    run_at: datetime
    claimed_at: datetime
    timeout: timedelta | None
    # Runner bookkeeping, not part of the job's identity.
    lease_seconds: float = 0.0
    lease_deadline: float = 0.0  # time.monotonic() when the lease runs out
    lost: bool = False
    duration: float = 0.0  # seconds the handler ran
    completed_in_transaction: bool = field(default=False, repr=False)
    source: Any = field(default=None, repr=False)  # the source it came from (core.source.Source)
    receipt: Any = field(default=None, repr=False)  # the source's own handle (pgmq: msg_id, read_ct)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Job:
        """A claimed job from a row of conveyor.claim_batch, whose columns are the fields above in order."""
        job = cls(*row)
        job.lease_seconds = (job.locked_until - job.claimed_at).total_seconds()
        job.lease_deadline = time.monotonic() + job.lease_seconds
        return job

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    def complete_in(self, conn: Any) -> None:
        """Complete this job inside the caller's own transaction (a sync psycopg connection or cursor).

        The handler's writes and the completion then commit together or not at all:
        once committed, the job never runs again. Raises psycopg errors with
        SQLSTATE CV001 when the lease was lost.
        """
        conn.execute(queries.COMPLETE_JOB, (self.id, self.lease_token))
        self.completed_in_transaction = True

    async def acomplete_in(self, conn: Any) -> None:
        """complete_in for an async psycopg connection or cursor."""
        await conn.execute(queries.COMPLETE_JOB, (self.id, self.lease_token))
        self.completed_in_transaction = True
