"""The worker loop: claim with conveyor.claim_batch(), run handlers, report outcomes in batches.

Four connections: one claims, one reports outcomes, one renews leases (and beats
the worker's heartbeat), one LISTENs. Claims and reports run side by side, so a
batch's completions never wait for the next claim; renewals have a connection of
their own, so neither a slow claim nor a handler's open transaction holds them up.
The jobs the worker owns are keyed by lease (job id and lease token): a job this
worker lost and claimed again is two leases, and the old run's report never touches
the new one's bookkeeping. Every decision (which job, how long to back off, when to give up) is
the database's; the worker only keeps leases alive and reports what happened.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg

from pgconveyor.core import queries
from pgconveyor.core.config import ConfigError
from pgconveyor.core.db import Link, Stopping, fetchall
from pgconveyor.core.executors import NoHandlerError, clamp_delay, execute
from pgconveyor.core.models import Job
from pgconveyor.core.registry import HandlerSpec

log = logging.getLogger("conveyor.worker")


@dataclass
class Stats:
    claimed: int = 0
    completed: int = 0
    retried: int = 0
    dead: int = 0
    stale: int = 0
    released: int = 0
    lost_leases: int = 0
    refused: int = 0  # reports the database refused for good: left to their lease expiry
    by_type: dict[str, int] = field(default_factory=dict)


__all__ = ["NoHandlerError", "Stats", "Worker", "id_arrays", "lease_key"]

LeaseKey = tuple[int, uuid.UUID]


def lease_key(job: Job) -> LeaseKey:
    return (job.id, job.lease_token)


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


class Worker:
    def __init__(
        self,
        url: str,
        handlers: dict[str, HandlerSpec],
        *,
        job_types: list[str] | None = None,
        concurrency: int = 25,
        batch_size: int = 25,
        lease: float | None = None,
        once: bool = False,
        poll_interval: float = 1.0,
        grace: float = 30.0,
        listen: bool = True,
        heartbeat_every: float = 5.0,
        name: str | None = None,
        stop_when: Callable[[Worker], Awaitable[bool]] | None = None,
        install_signals: bool = True,
    ):
        self.handlers = handlers
        self.job_types = sorted(set(job_types if job_types else handlers))
        if not self.job_types:
            raise ConfigError("no job types to run: no handler is registered and --job-types is empty")
        if concurrency < 1 or batch_size < 1:
            raise ConfigError("--concurrency and --batch-size must be at least 1")
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease) if lease else None
        self.once = once
        self.poll_interval = poll_interval
        self.grace = grace
        self.listen = listen
        self.heartbeat_every = heartbeat_every
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stop_when = stop_when
        self.install_signals = install_signals
        self.stats = Stats()

        self._stopping = False
        self._hard_stop = False
        self.signalled = False  # request_stop was called (a signal), not a natural end
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._report_wake = asyncio.Event()
        # Keyed by lease (job id, lease token), never by job id alone: see the module doc.
        self.owned: dict[LeaseKey, Job] = {}  # claimed, outcome not yet reported
        self.active: dict[LeaseKey, Job] = {}  # claimed, handler not finished (queued for a slot or running)
        self._pending: collections.deque[Job] = collections.deque()  # claimed, waiting for a slot
        self._idle_slots: list[asyncio.Future[None]] = []
        self._waking = False  # an idle slot has been woken and has not run yet
        self._slots: list[asyncio.Task[Any]] = []
        self._completions: list[Job] = []
        self._failures: list[tuple[Job, str, float | None, bool]] = []
        self._flushing = 0  # _flush calls under way: their batch has left the lists but is not reported yet
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="conveyor-handler")
        self.claim_link = Link(url, "claim", self._should_abort)
        self.report_link = Link(url, "report", self._should_abort)
        self.lease_link = Link(url, "lease", self._should_abort)
        self._report_task: asyncio.Task[Any] | None = None
        self.url = url
        self.exit_code = 0

    # -- lifecycle --------------------------------------------------------------

    def _should_abort(self) -> bool:
        return self._hard_stop

    def request_stop(self) -> None:
        """First call: stop claiming and drain gracefully. Second call: stop at once."""
        self.signalled = True
        if self._stopping:
            if not self._hard_stop:
                log.warning("second stop signal: stopping now", extra={"worker": self.name})
                self._hard_stop = True
                self.exit_code = 1
                for task in self._slots:
                    task.cancel()
        else:
            log.info(
                "stop requested: finishing in-flight jobs",
                extra={"worker": self.name, "in_flight": len(self.active)},
            )
            self._stopping = True
        self._wake.set()
        self._report_wake.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        if self.install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop)
        log.info(
            "worker started",
            extra={"worker": self.name, "job_types": ",".join(self.job_types), "batch_size": self.batch_size},
        )
        # Long-lived slots take claimed jobs from a deque: no task is created per job.
        self._slots = [asyncio.create_task(self._slot(), name=f"slot-{i}") for i in range(self.concurrency)]
        self._report_task = asyncio.create_task(self._report_loop(), name="report")
        tasks = [self._report_task]
        tasks.append(asyncio.create_task(self._heartbeat_loop(), name="heartbeat"))
        if self.listen:
            tasks.append(asyncio.create_task(self._listen_loop(), name="listen"))
        try:
            await self._claim_loop()
        except Stopping:
            pass
        finally:
            await self._shutdown(tasks)
            if self.install_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)
        log.info(
            "worker stopped",
            extra={
                "worker": self.name,
                "completed": self.stats.completed,
                "retried": self.stats.retried,
                "dead": self.stats.dead,
                "released": self.stats.released,
            },
        )
        return self.exit_code

    async def _shutdown(self, tasks: list[asyncio.Task[Any]]) -> None:
        self._stopping = True
        # Jobs claimed but not started yet are handed back at once, unrun.
        waiting: list[Job] = []
        while self._pending:
            job = self._pending.popleft()
            self.active.pop(lease_key(job), None)
            waiting.append(job)
        if waiting:
            await self._release(waiting)
        if self.active and not self._hard_stop:
            deadline = time.monotonic() + self.grace
            while self.active and time.monotonic() < deadline:
                self._idle.clear()
                try:
                    await asyncio.wait_for(self._idle.wait(), timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    break
        for task in self._slots:
            task.cancel()
        await asyncio.gather(*self._slots, return_exceptions=True)
        self.active.clear()
        try:
            if not self._hard_stop:
                await self._drain_reports()
                await self._flush()
            else:
                await asyncio.wait_for(self._flush(), timeout=2)
        except (Stopping, TimeoutError, psycopg.Error) as exc:
            log.warning("could not report every outcome before exit", extra={"error": str(exc)})
        # What is still owned had no outcome: its handler did not finish within the
        # grace period. Hand it back unrun (fenced: a lost lease is left alone).
        unfinished = [job for job in self.owned.values() if not job.lost]
        if unfinished:
            await self._release(unfinished)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(
                self.report_link.run(lambda c: c.execute(queries.WORKER_STOPPED, (self.name,)), retry=False),
                2,
            )
        except (psycopg.Error, TimeoutError, Stopping):
            pass
        await self.claim_link.close()
        await self.report_link.close()
        await self.lease_link.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _release(self, jobs: list[Job]) -> None:
        ids, tokens = id_arrays(jobs)
        try:
            rows = await asyncio.wait_for(
                self.report_link.run(lambda c: fetchall(c, queries.RELEASE_JOBS, (ids, tokens)), retry=False),
                timeout=5,
            )
            self.stats.released += len(rows)
            for job in jobs:
                self.owned.pop(lease_key(job), None)
            log.info("unfinished jobs handed back", extra={"worker": self.name, "count": len(rows)})
        except (psycopg.Error, TimeoutError, Stopping) as exc:
            log.warning(
                "could not hand jobs back; they will be rescued when their leases expire",
                extra={"count": len(jobs), "error": str(exc)},
            )

    # -- claiming ---------------------------------------------------------------

    async def _claim(self, want: int) -> list[Job]:
        params = (self.name, want, self.job_types, self.lease)
        rows = await self.claim_link.run(lambda c: fetchall(c, queries.CLAIM_BATCH, params, binary=True))
        return [Job.from_row(r) for r in rows]

    async def _claim_loop(self) -> None:
        # Claim again once half a batch of slots is free: big enough batches to be
        # cheap, small enough that slots do not sit idle while work is waiting.
        threshold = max(1, min(self.batch_size, self.concurrency) // 2)
        while not self._stopping:
            if self.stop_when is not None and await self.stop_when(self):
                break
            free = self.concurrency - len(self.active)
            want = min(self.batch_size, free)
            if want >= threshold or (want > 0 and not self.active):
                self._wake.clear()
                jobs = await self._claim(want)
                self.stats.claimed += len(jobs)
                self._dispatch(jobs)
                if len(jobs) == want:
                    continue  # there may be more waiting: claim again at once
                if self.once and not jobs and not self.active:
                    await self._drain_reports()
                    break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except TimeoutError:
                pass

    async def _drain_reports(self) -> None:
        # A flush takes its batch off the lists before the database answers: wait for
        # that answer too, or --once would cancel the last report and hand its jobs back.
        while self._completions or self._failures or self._flushing:
            if self._report_task is None or self._report_task.done():
                await self._flush()  # no report loop (it never dies, but never spin on it)
                break
            self._report_wake.set()
            await asyncio.sleep(0.01)

    def _dispatch(self, jobs: list[Job]) -> None:
        for job in jobs:
            key = lease_key(job)
            self.owned[key] = job
            self.active[key] = job
        self._pending.extend(jobs)
        self._wake_slot()

    def _wake_slot(self) -> None:
        # Wake one idle slot at a time: a slot that takes a job wakes the next one while
        # work is still waiting. Handlers that suspend still fan out to every slot; handlers
        # that finish without suspending are all run by the first slot, with no task
        # switch per job (waking one slot per job cost a wake-up and a switch for each).
        if self._waking or not self._pending:
            return
        while self._idle_slots:
            waiter = self._idle_slots.pop()
            if not waiter.done():
                waiter.set_result(None)
                self._waking = True
                return

    async def _slot(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while self._pending:
                job = self._pending.popleft()
                self._wake_slot()  # the rest go to another slot if this job suspends
                try:
                    await self._execute(job)
                finally:
                    self.active.pop(lease_key(job), None)
                    self._wake.set()
                    if not self.active:
                        self._idle.set()
            waiter = loop.create_future()
            self._idle_slots.append(waiter)
            try:
                await waiter
            finally:
                self._waking = False

    # -- running a job ----------------------------------------------------------

    async def _execute(self, job: Job) -> None:
        spec = self.handlers.get(job.job_type)
        missing = ""
        if spec is None:
            have = ", ".join(sorted(self.handlers)) or "none"
            missing = f" in worker {self.name}; it has handlers for: {have}"
        outcome = await execute(spec, job, "jobs", pool=self._pool, missing=missing)
        job.duration = outcome.duration
        if outcome.error is not None:
            self._failures.append((job, outcome.error, outcome.retry_delay, outcome.permanent))
        elif job.completed_in_transaction:
            self.owned.pop(lease_key(job), None)
            self._finished(job, "completed", outcome.duration)
            return
        else:
            self._completions.append(job)
        self._report_wake.set()

    def _finished(self, job: Job, outcome: str, duration: float, error: str | None = None) -> None:
        if outcome == "completed":
            self.stats.completed += 1
        elif outcome == "retry":
            self.stats.retried += 1
        elif outcome == "dead":
            self.stats.dead += 1
        elif outcome == "stale":
            self.stats.stale += 1
        elif outcome == "refused":
            self.stats.refused += 1
        self.stats.by_type[job.job_type] = self.stats.by_type.get(job.job_type, 0) + 1
        level = logging.INFO if outcome == "completed" else logging.ERROR if outcome == "refused" else logging.WARNING
        if log.isEnabledFor(level):
            extra = {
                "job_id": job.id,
                "job_type": job.job_type,
                "attempt": job.attempt,
                "duration_ms": round(duration * 1000, 2),
                "outcome": outcome,
            }
            if error:
                extra["error"] = error.splitlines()[0][:200]
            log.log(level, f"job {outcome}", extra=extra)

    # -- reporting --------------------------------------------------------------

    async def _report_loop(self) -> None:
        # Nothing may end this loop but shutdown: without it no outcome is reported,
        # every job the worker runs stays running under renewed leases, and a graceful
        # stop waits for reports that never come.
        while True:
            await self._report_wake.wait()
            self._report_wake.clear()
            try:
                await self._flush()
            except Stopping:
                return
            except Exception as exc:
                log.error(
                    "reporting outcomes failed; the jobs concerned are left to their lease expiry",
                    extra={"error": _first_line(exc)},
                )
                if self._completions or self._failures:
                    self._report_wake.set()

    async def _flush(self) -> None:
        self._flushing += 1
        try:
            await self._flush_lists()
        finally:
            self._flushing -= 1

    async def _flush_lists(self) -> None:
        while self._completions or self._failures:
            if self._completions:
                await self._report_completions()
            if self._failures:
                job, error, delay, permanent = self._failures.pop(0)
                await self._report_failure(job, error, delay, permanent)

    async def _report_completions(self) -> None:
        # One batch holds each job id once: the same job under an old and a new lease
        # (lost, then claimed again here) goes in two calls, so each gets its own answer.
        batch: list[Job] = []
        seen: set[int] = set()
        rest: list[Job] = []
        for job in self._completions[:1000]:
            if job.id in seen:
                rest.append(job)
            else:
                seen.add(job.id)
                batch.append(job)
        del self._completions[:1000]
        self._completions[:0] = rest
        ids, tokens = id_arrays(batch)
        try:
            rows = await self.report_link.run(lambda c: fetchall(c, queries.COMPLETE_JOBS, (ids, tokens)))
        except Stopping:
            self._completions[:0] = batch  # reported at shutdown, or released
            raise
        except Exception as exc:
            # Not transient (Link retries those): the database refuses this report.
            # Leave the jobs to their lease expiry: no renewal, no hand-back.
            for job in batch:
                self._refused(job, "complete", exc)
            return
        done = {r[0] for r in rows}
        for job in batch:
            self.owned.pop(lease_key(job), None)
            if job.id in done:
                self._finished(job, "completed", job.duration)
            else:
                self._finished(job, "stale", job.duration, "lease lost before completion; outcome discarded")

    async def _report_failure(self, job: Job, error: str, delay: float | None, permanent: bool) -> None:
        params = (job.id, job.lease_token, error, clamp_delay(delay), permanent)
        try:
            rows = await self.report_link.run(lambda c: fetchall(c, queries.FAIL_JOB, params))
            outcome = rows[0][0]
        except Stopping:
            self._failures.insert(0, (job, error, delay, permanent))
            raise
        except psycopg.Error as exc:
            if exc.sqlstate != "CV001":
                self._refused(job, "fail", exc)
                return
            outcome = "stale"
        except Exception as exc:
            self._refused(job, "fail", exc)
            return
        self.owned.pop(lease_key(job), None)
        self._finished(job, outcome, job.duration, error)

    def _refused(self, job: Job, what: str, exc: BaseException) -> None:
        """The database refused a report for good: stop renewing the lease and let it expire.

        The job is then rescued like one whose worker died: retried on its backoff, or
        dead-lettered on its last attempt. Holding it would strand it; handing it back
        would refund the attempt.
        """
        self.owned.pop(lease_key(job), None)
        job.lost = True
        self._finished(
            job,
            "refused",
            job.duration,
            f"the database refused to {what} this job ({_first_line(exc)}); it is left to its lease expiry",
        )

    # -- leases and liveness ----------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        host, pid = socket.gethostname(), os.getpid()
        last_beat = 0.0
        while True:
            try:
                now = time.monotonic()
                due = [j for j in self.owned.values() if not j.lost and j.lease_deadline - now < j.lease_seconds / 2]
                if due:
                    await self._extend(due)
                if now - last_beat >= self.heartbeat_every:
                    failed = self.stats.retried + self.stats.dead
                    params = (self.name, self.job_types, len(self.active), self.stats.completed, host, pid, failed)
                    await self.lease_link.run(lambda c, p=params: c.execute(queries.WORKER_HEARTBEAT, p))
                    last_beat = now
            except Stopping:
                return
            except Exception as exc:
                log.warning("heartbeat failed", extra={"error": _first_line(exc)})
            # Wake at least four times per shortest lease: a lease is renewed once half
            # of it is left, and a 1 s tick would miss that window for leases of 2 s or less.
            shortest = min((j.lease_seconds for j in self.owned.values() if not j.lost), default=4.0)
            await asyncio.sleep(max(0.05, min(1.0, self.heartbeat_every, shortest / 4)))

    async def _extend(self, jobs: list[Job]) -> None:
        ids, tokens = id_arrays(jobs)
        started = time.monotonic()
        rows = await self.lease_link.run(lambda c: fetchall(c, queries.EXTEND_LEASES, (ids, tokens, self.lease)))
        # Each renewal follows the lease end the database granted (the job type's lease
        # may have changed since the claim), measured on the database's clock.
        kept = {(r[0], r[1]): r[2] for r in rows}
        for job in jobs:
            left = kept.get(lease_key(job))
            if left is not None:
                job.lease_deadline = started + left
                # Unrenewed (its row is locked by the handler's own open transaction):
                # a short remainder, so the next try comes soon.
                job.lease_seconds = max(left, 0.1)
            elif lease_key(job) in self.owned and not job.completed_in_transaction:
                job.lost = True
                self.stats.lost_leases += 1
                log.warning(
                    "lease lost: the job may run again elsewhere; this run's outcome will be refused",
                    extra={"job_id": job.id, "job_type": job.job_type, "attempt": job.attempt},
                )

    async def _listen_loop(self) -> None:
        wanted = set(self.job_types) | {"*"}
        link = Link(self.url, "listen", self._should_abort)
        try:
            while True:
                try:
                    conn = await link.connect()
                    await conn.execute(queries.LISTEN)
                    self._wake.set()  # anything enqueued while we were not listening
                    async for note in conn.notifies():
                        if note.payload in wanted:
                            self._wake.set()
                except psycopg.OperationalError as exc:
                    link._note_down(exc)
                    await link.close()
                    await asyncio.sleep(1.0)
        except Stopping:
            return
        finally:
            await link.close()


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        return exc.diag.message_primary
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
