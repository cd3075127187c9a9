"""Where work comes from: the surface every source gives the worker, and the jobs table's.

A source supplies only claim, ack, fail, extend and release; the worker owns the
rest (slots, the one executor, the one outcome reporter, leases, the log line).
The jobs table is the core's own source; pgmq queues are adapters in
``pgconveyor.sources.pgmq``. Every call takes the connection to use: the worker
claims on one connection per source, reports on one, and renews leases on one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

import psycopg

from pgconveyor.core import queries
from pgconveyor.core.db import fetchall
from pgconveyor.core.models import Job

Conn = psycopg.AsyncConnection[Any]


class Source(Protocol):
    name: str  # "jobs", or "pgmq:<queue>": the log's and the stats' name for it
    kind: str  # "jobs" or "pgmq": what current_executor tells a handler
    limit: float | None  # a cap on a handler's run time (pgmq: its visibility timeout)
    renews: bool  # whether extend() renews anything (the heartbeat skips sources that do not)
    wakes_on_notify: bool  # LISTEN conveyor_jobs wakes its claim loop

    async def claim(self, conn: Conn, worker: str, n: int) -> list[Job]: ...

    async def ack(self, conn: Conn, jobs: list[Job]) -> set[int]:
        """Acknowledge finished jobs (each id once); returns the ids acknowledged, the rest were stale."""
        ...

    async def fail(self, conn: Conn, job: Job, error: str, delay: timedelta | None, permanent: bool) -> str:
        """Record a failed run: 'retry', 'dead' or 'stale' (raise psycopg errors the database gave)."""
        ...

    async def extend(self, conn: Conn, jobs: list[Job]) -> dict[tuple[int, Any], float]:
        """Renew leases: (id, token) -> seconds left on the lease now in force; a missing job was lost."""
        ...

    async def release(self, conn: Conn, jobs: list[Job]) -> int:
        """Hand unrun jobs back (shutdown); returns how many were."""
        ...

    def log_fields(self, job: Job) -> dict[str, Any]: ...


def id_arrays(jobs: list[Job]) -> tuple[str, str]:
    """Job ids and lease tokens as Postgres array literals: one text parameter each.

    Adapting a Python list element by element costs more than the SQL it feeds;
    ids are integers and tokens UUIDs, so the literals need no quoting. A token goes
    as its 32 hex digits (``UUID.hex``, which Postgres' uuid input accepts), about
    three times cheaper to make than ``str(uuid)`` with its hyphens.
    """
    ids = "{" + ",".join([str(j.id) for j in jobs]) + "}"
    tokens = "{" + ",".join([j.lease_token.hex for j in jobs]) + "}"
    return ids, tokens


class JobsTable:
    """The jobs table: claim_batch, complete_jobs, fail_job, extend_leases, release_jobs.

    ``fair`` claims round robin across the job types (``claim_batch``'s ``p_fair``):
    a flood of one type cannot starve another's trickle. Off, the batch follows
    strict priority, then due time, across every type.
    """

    name = "jobs"
    kind = "jobs"
    limit: float | None = None
    renews = True
    wakes_on_notify = True

    def __init__(self, job_types: list[str], lease: timedelta | None = None, fair: bool = False):
        self.job_types = job_types
        self.lease = lease
        self.fair = fair

    async def claim(self, conn: Conn, worker: str, n: int) -> list[Job]:
        rows = await fetchall(
            conn, queries.CLAIM_BATCH, (worker, n, self.job_types, self.lease, self.fair), binary=True
        )
        jobs = [Job.from_row(r) for r in rows]
        for job in jobs:
            job.source = self
        return jobs

    async def ack(self, conn: Conn, jobs: list[Job]) -> set[int]:
        ids, tokens = id_arrays(jobs)
        return {r[0] for r in await fetchall(conn, queries.COMPLETE_JOBS, (ids, tokens))}

    async def fail(self, conn: Conn, job: Job, error: str, delay: timedelta | None, permanent: bool) -> str:
        try:
            rows = await fetchall(conn, queries.FAIL_JOB, (job.id, job.lease_token, error, delay, permanent))
        except psycopg.Error as exc:
            if exc.sqlstate == "CV001":  # the lease was lost: someone else owns this job now
                return "stale"
            raise
        return rows[0][0]

    async def extend(self, conn: Conn, jobs: list[Job]) -> dict[tuple[int, Any], float]:
        ids, tokens = id_arrays(jobs)
        rows = await fetchall(conn, queries.EXTEND_LEASES, (ids, tokens, self.lease))
        return {(r[0], r[1]): r[2] for r in rows}

    async def release(self, conn: Conn, jobs: list[Job]) -> int:
        ids, tokens = id_arrays(jobs)
        return len(await fetchall(conn, queries.RELEASE_JOBS, (ids, tokens)))

    def log_fields(self, job: Job) -> dict[str, Any]:
        return {"job_id": job.id}
