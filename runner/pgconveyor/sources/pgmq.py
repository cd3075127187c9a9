"""The pgmq consumer: reads the routed pgmq queues and runs their messages through the handler registry.

It runs beside the jobs-table worker (``conveyor worker --pgmq`` or PROCESS_PGMQ=true),
one loop per queue on one connection each, and only through ``conveyor`` functions:
``pgmq_read`` hides a batch for the visibility timeout (30 s by default) and first
dead-letters messages already read 3 times; ``pgmq_ack`` archives the successes and
``pgmq_fail`` records a failure (retry after a backoff, or the dead-letter queue on
the 3rd read). Both are fenced by the read count, so a consumer that ran past its
visibility timeout cannot archive a message another consumer has read since.

A handler never runs longer than the visibility timeout: past it the message may
already be running elsewhere, so the run is cut short and reported as failed (the
report is then fenced out if another consumer has it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from pgconveyor.core import queries
from pgconveyor.core.db import Link, Stopping, fetchall
from pgconveyor.core.executors import clamp_delay, execute, make_job, storable_text
from pgconveyor.core.registry import HandlerSpec

log = logging.getLogger("conveyor.pgmq")

MAX_READS = 3  # the original design's rule: a message is run at most 3 times


@dataclass
class PgmqStats:
    completed: int = 0
    retried: int = 0
    dead: int = 0
    stale: int = 0
    by_queue: dict[str, int] = field(default_factory=dict)


@dataclass
class _Outcome:
    msg_id: int
    read_ct: int
    error: str | None = None
    retry_delay: float | None = None
    permanent: bool = False


class PgmqConsumer:
    def __init__(
        self,
        url: str,
        handlers: dict[str, HandlerSpec],
        *,
        queues: list[str] | None = None,
        vt: int = 30,
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
        # --once: each queue is read until nothing is visible, then the consumer exits.
        self.once = once
        self.stats = PgmqStats()
        self._stopping = False
        self._wake = asyncio.Event()

    def request_stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def _should_abort(self) -> bool:
        return self._stopping

    async def run(self) -> None:
        if self.queues is None:
            link = Link(self.url, "pgmq-setup", self._should_abort)
            try:
                rows = await link.run(lambda c: fetchall(c, queries.PGMQ_QUEUES))
            except Stopping:
                return
            finally:
                await link.close()
            # A queue is consumed only when this runner handles every job type routed
            # to it: a message it cannot run would fail here and, after 3 reads, be
            # dead-lettered although another runner could have run it.
            self.queues = []
            for queue, job_types in rows:
                missing = sorted(set(job_types) - set(self.handlers))
                if missing:
                    log.warning(
                        "pgmq queue not consumed: no handler here for some of its job types",
                        extra={"queue": queue, "missing": ",".join(missing)},
                    )
                else:
                    self.queues.append(queue)
        if not self.queues:
            log.warning("no pgmq queue to consume: no route leads to pgmq, or pgmq is not available")
            return
        log.info("pgmq consumer started", extra={"queues": ",".join(self.queues), "vt": self.vt})
        await asyncio.gather(*(self._queue_loop(q) for q in self.queues))
        log.info("pgmq consumer stopped", extra={"completed": self.stats.completed, "dead": self.stats.dead})

    async def _queue_loop(self, queue: str) -> None:
        link = Link(self.url, f"pgmq-{queue}", self._should_abort)
        try:
            while not self._stopping:
                try:
                    rows = await link.run(lambda c: fetchall(c, queries.PGMQ_READ, (queue, self.batch_size, self.vt)))
                except Stopping:
                    break
                if rows:
                    outcomes = await asyncio.gather(*(self._run_one(row) for row in rows))
                    await self._report(link, queue, outcomes)
                    if len(rows) == self.batch_size:
                        continue
                elif self.once:
                    break
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                except TimeoutError:
                    pass
        finally:
            await link.close()

    async def _run_one(self, row: tuple[Any, ...]) -> _Outcome:
        msg_id, read_ct, job_id, job_type, payload, enqueued_at, vt = row
        outcome = _Outcome(msg_id, read_ct)
        job = make_job(
            job_id if job_id is not None else msg_id,
            job_type,
            payload,
            attempt=read_ct,
            max_attempts=MAX_READS,
            created_at=enqueued_at,
            locked_until=vt,
        )
        # Leave a second of the visibility timeout to report the outcome in.
        result = await execute(
            self.handlers.get(job_type), job, "pgmq", limit=max(1.0, self.vt - 1.0), missing=" in this runner"
        )
        if result.error is not None and result.error.startswith("TimeoutError"):
            result.error = f"TimeoutError: handler ran past the {self.vt} s visibility timeout"
        outcome.error, outcome.retry_delay, outcome.permanent = result.error, result.retry_delay, result.permanent
        job.duration = result.duration
        return outcome

    async def _report(self, link: Link, queue: str, outcomes: list[_Outcome]) -> None:
        done = [o for o in outcomes if o.error is None]
        if done:
            ids = [o.msg_id for o in done]
            cts = [o.read_ct for o in done]
            try:
                rows = await link.run(lambda c: fetchall(c, queries.PGMQ_ACK, (queue, ids, cts)))
            except Stopping:
                return
            archived = len(rows)
            self.stats.completed += archived
            self.stats.stale += len(done) - archived
            self.stats.by_queue[queue] = self.stats.by_queue.get(queue, 0) + archived
            if archived < len(done):
                log.warning(
                    "pgmq messages read again by another consumer before this one acknowledged them",
                    extra={"queue": queue, "count": len(done) - archived},
                )
        for o in outcomes:
            if o.error is None:
                continue
            delay = clamp_delay(o.retry_delay)
            # A permanent failure dead-letters now: this read counts as the last one.
            max_reads = o.read_ct if o.permanent else MAX_READS
            params = (queue, o.msg_id, o.read_ct, storable_text(o.error), delay, max_reads)
            try:
                result = (await link.run(lambda c, p=params: fetchall(c, queries.PGMQ_FAIL, p)))[0][0]
            except Stopping:
                return
            except Exception as exc:
                # The message comes back when its visibility timeout ends (and goes to
                # the dead-letter queue after its last read): never stop the consumer.
                log.error(
                    "could not record a pgmq failure",
                    extra={"queue": queue, "msg_id": o.msg_id, "error": str(exc).strip().splitlines()[0]},
                )
                continue
            if result == "dead":
                self.stats.dead += 1
            elif result == "retry":
                self.stats.retried += 1
            else:
                self.stats.stale += 1
            log.info(
                "pgmq message failed",
                extra={"queue": queue, "msg_id": o.msg_id, "read_ct": o.read_ct, "outcome": result},
            )
