"""pgmq queues as a source of the worker: claim, ack, fail over the routed pgmq queues.

A plain ``conveyor worker`` consumes the pgmq queues its routes use whenever pgmq
is present (``PROCESS_PGMQ=false`` or ``--no-pgmq`` opt out). Each queue is one
source beside the jobs table in the same worker: the same slots, the same executor,
the same reporter and the same log line (with ``queue`` and ``msg_id``), and
``--batch-size`` is the most it reads at once. Only ``conveyor`` functions are called:
``pgmq_read`` hides a batch for the visibility timeout (30 s by default) and first
dead-letters messages already read 3 times; ``pgmq_ack`` archives the successes and
``pgmq_fail`` records a failure (retry after a backoff, or the dead-letter queue on
the 3rd read). Both are fenced by the read count, so a consumer that ran past its
visibility timeout cannot archive a message another consumer has read since.

A handler never runs longer than the visibility timeout: past it the message may
already be running elsewhere, so the run is cut short and reported as failed (the
report is then fenced out if another consumer has it). A message the consumer
cannot use (no job type, a payload that is not an object) goes to the dead-letter
queue with its reason; it never stops the worker.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg

from pgconveyor.core import queries
from pgconveyor.core.db import Link, Stopping, fetchall, first_line
from pgconveyor.core.executors import make_job, storable_text
from pgconveyor.core.models import Job
from pgconveyor.core.registry import HandlerSpec
from pgconveyor.core.source import Conn

log = logging.getLogger("conveyor.pgmq")

MAX_READS = 3  # the original design's rule: a message is run at most 3 times
DEFAULT_VT = 30
_TOKENS = uuid.UUID("6a1c4f0e-3f0b-4d7e-9a57-2c1d6e0b7f31")  # namespace of the per-read lease keys


class PgmqQueue:
    """One pgmq queue: pgmq_read, pgmq_ack, pgmq_fail. No lease to renew: the visibility timeout bounds a run."""

    kind = "pgmq"
    renews = False
    wakes_on_notify = False

    def __init__(self, queue: str, vt: int = DEFAULT_VT):
        if vt < 2:
            raise ValueError("the pgmq visibility timeout must be at least 2 seconds")
        self.queue = queue
        self.name = f"pgmq:{queue}"
        self.vt = vt
        # Leave a second of the visibility timeout to report the outcome in.
        self.limit: float | None = max(1.0, vt - 1.0)

    async def claim(self, conn: Conn, worker: str, n: int) -> list[Job]:
        rows = await fetchall(conn, queries.PGMQ_READ, (self.queue, n, self.vt))
        jobs = []
        for row in rows:
            job = await self._job(conn, row)
            if job is not None:
                jobs.append(job)
        return jobs

    async def _job(self, conn: Conn, row: tuple[Any, ...]) -> Job | None:
        msg_id, read_ct, job_id, job_type, payload, enqueued_at, vt = row
        reason = None
        if not isinstance(job_type, str) or not job_type:
            reason = "message has no job_type"
        elif not isinstance(payload, dict):
            reason = "message payload is not a JSON object"
        elif job_id is not None and not isinstance(job_id, int):
            reason = "message job_id is not an integer"
        if reason is not None:
            # Unusable whatever runs it: to the dead-letter queue now, with the reason.
            try:
                await conn.execute(queries.PGMQ_FAIL, (self.queue, msg_id, read_ct, reason, None, read_ct))
            except psycopg.Error as exc:
                log.error(
                    "could not bury an unusable pgmq message", extra={"queue": self.queue, "error": first_line(exc)}
                )
            log.warning(
                "unusable pgmq message dead-lettered", extra={"queue": self.queue, "msg_id": msg_id, "reason": reason}
            )
            return None
        job = make_job(
            job_id if job_id is not None else msg_id,
            job_type,
            payload,
            attempt=read_ct,
            max_attempts=MAX_READS,
            created_at=enqueued_at,
            locked_until=vt,
        )
        job.lease_token = uuid.uuid5(_TOKENS, f"{self.queue}:{msg_id}:{read_ct}")
        job.receipt = (msg_id, read_ct)
        job.source = self
        return job

    async def ack(self, conn: Conn, jobs: list[Job]) -> set[int]:
        ids = [j.receipt[0] for j in jobs]
        cts = [j.receipt[1] for j in jobs]
        archived = {r[0] for r in await fetchall(conn, queries.PGMQ_ACK, (self.queue, ids, cts))}
        return {j.id for j in jobs if j.receipt[0] in archived}

    async def fail(self, conn: Conn, job: Job, error: str, delay: timedelta | None, permanent: bool) -> str:
        msg_id, read_ct = job.receipt
        if error.startswith("TimeoutError"):
            error = f"TimeoutError: handler ran past the {self.vt} s visibility timeout"
        # A permanent failure dead-letters now: this read counts as the last one.
        max_reads = read_ct if permanent else MAX_READS
        params = (self.queue, msg_id, read_ct, storable_text(error), delay, max_reads)
        rows = await fetchall(conn, queries.PGMQ_FAIL, params)
        return rows[0][0]

    async def extend(self, conn: Conn, jobs: list[Job]) -> dict[tuple[int, Any], float]:
        return {}

    async def release(self, conn: Conn, jobs: list[Job]) -> int:
        return 0  # a message comes back by itself when its visibility timeout ends

    def log_fields(self, job: Job) -> dict[str, Any]:
        return {"queue": self.queue, "msg_id": job.receipt[0], "job_id": job.id}


async def routed_queues(url: str, handlers: dict[str, HandlerSpec]) -> list[str]:
    """The pgmq queues the routes use that this runner can consume; [] without pgmq."""
    link = Link(url, "pgmq-setup")
    try:
        conn = await link.connect()
        if not (await fetchall(conn, queries.PGMQ_AVAILABLE))[0][0]:
            return []
        rows = await fetchall(conn, queries.PGMQ_QUEUES)
    finally:
        await link.close()
    return consumable_queues(rows, handlers)


def consumable_queues(rows: list[tuple[Any, ...]], handlers: dict[str, HandlerSpec]) -> list[str]:
    """Of the (queue, job types) rows of ``queries.PGMQ_QUEUES``, the queues this runner can consume.

    A queue is consumed only when this runner handles every job type routed to it: a
    message it cannot run would fail here and, after 3 reads, be dead-lettered
    although another runner could have run it.
    """
    queues = []
    for queue, job_types in rows:
        missing = sorted(set(job_types) - set(handlers))
        if missing:
            log.warning(
                "pgmq queue not consumed: no handler here for some of its job types",
                extra={"queue": queue, "missing": ",".join(missing)},
            )
        else:
            queues.append(queue)
    return queues


def pgmq_sources(queues: list[str], vt: int = DEFAULT_VT) -> list[PgmqQueue]:
    return [PgmqQueue(q, vt) for q in queues]


@dataclass
class PgmqStats:
    completed: int = 0
    retried: int = 0
    dead: int = 0
    stale: int = 0
    by_queue: dict[str, int] = field(default_factory=dict)


class PgmqConsumer:
    """A worker over the pgmq queues alone (no jobs table): for embedding and tests.

    ``conveyor worker`` does not need it: its one worker reads the jobs table and the
    queues together.
    """

    def __init__(
        self,
        url: str,
        handlers: dict[str, HandlerSpec],
        *,
        queues: list[str] | None = None,
        vt: int = DEFAULT_VT,
        batch_size: int = 10,
        poll_interval: float = 1.0,
        once: bool = False,
    ):
        if vt < 2:
            raise ValueError("the pgmq visibility timeout must be at least 2 seconds")
        self.url = url
        self.handlers = handlers
        self.queues = queues
        self.vt = vt
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.once = once
        self.worker: Any = None
        self._stop_requested = False

    @property
    def stats(self) -> PgmqStats:
        s = self.worker.stats if self.worker is not None else None
        if s is None:
            return PgmqStats()
        by_queue = {k.removeprefix("pgmq:"): v for k, v in s.by_source.items() if k.startswith("pgmq:")}
        return PgmqStats(s.completed, s.retried, s.dead, s.stale, by_queue)

    def request_stop(self) -> None:
        self._stop_requested = True
        if self.worker is not None:
            self.worker.request_stop()

    async def run(self) -> None:
        from pgconveyor.core.worker import Worker

        try:
            queues = self.queues if self.queues is not None else await routed_queues(self.url, self.handlers)
        except Stopping:
            return
        if not queues:
            log.warning("no pgmq queue to consume: no route leads to pgmq, or pgmq is not available")
            return
        self.worker = Worker(
            self.url,
            self.handlers,
            sources=pgmq_sources(queues, self.vt),
            jobs_table=False,
            concurrency=max(self.batch_size, 1) * len(queues),
            batch_size=self.batch_size,
            once=self.once,
            poll_interval=self.poll_interval,
            listen=False,
            install_signals=False,
            name=f"pgmq-consumer-{uuid.uuid4().hex[:6]}",
        )
        if self._stop_requested:
            return
        await self.worker.run()
        await asyncio.sleep(0)
