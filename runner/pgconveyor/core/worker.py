"""The worker loop: claim from each source, run handlers, report outcomes in batches.

Sources (``core.source``): the jobs table (``conveyor.claim_batch`` and friends)
and any pgmq queues (``pgconveyor.sources.pgmq``). Every job, whatever its source,
runs through the one executor (``core.executors.execute``), is reported by the one
reporter below (batched acks, fenced failures) and gets the same log line.

Connections: one per source claims, one reports outcomes, one renews leases (and
beats the worker's heartbeat), one LISTENs. Claims and reports run side by side, so a
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
from pgconveyor.core.source import JobsTable, Source, id_arrays

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
    by_source: dict[str, int] = field(default_factory=dict)  # outcomes per source ("jobs", "pgmq:<queue>")


__all__ = ["NoHandlerError", "Stats", "Worker", "id_arrays", "lease_key"]

LeaseKey = tuple[int, uuid.UUID]


def lease_key(job: Job) -> LeaseKey:
    return (job.id, job.lease_token)


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
        sources: list[Source] | None = None,
        jobs_table: bool = True,
        one_batch: bool = False,
        fair: bool = False,
    ):
        self.handlers = handlers
        self.job_types = sorted(set(job_types if job_types else handlers))
        self.sources: list[Source] = []
        if jobs_table:
            if not self.job_types:
                raise ConfigError(
                    "no job types to run: no handler is registered (name your handler modules with "
                    "--handlers or CONVEYOR_HANDLERS) and --job-types is empty"
                )
            self.sources.append(JobsTable(self.job_types, timedelta(seconds=lease) if lease else None, fair))
        self.sources.extend(sources or [])
        if not self.sources:
            raise ConfigError("nothing to run: no job types and no pgmq queue")
        if concurrency < 1 or batch_size < 1:
            raise ConfigError("--concurrency and --batch-size must be at least 1")
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease) if lease else None
        self.once = once or one_batch
        # One claim per source, run to the end, reported: POST /api/jobs/process.
        self.one_batch = one_batch
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
        self.claim_links = {src.name: Link(url, f"claim-{src.name}", self._should_abort) for src in self.sources}
        self.report_link = Link(url, "report", self._should_abort)
        self.lease_link = Link(url, "lease", self._should_abort)
        self._report_task: asyncio.Task[Any] | None = None
        # Only a worker of the jobs table is a live worker for its job types (fallback mode reads it).
        self._beats = jobs_table
        self._other_wakes: list[asyncio.Event] = []  # claim loops of sources without NOTIFY
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
        for wake in self._other_wakes:
            wake.set()
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
        loops = [asyncio.create_task(self._claim_loop(src), name=f"claim-{src.name}") for src in self.sources]
        try:
            await asyncio.gather(*loops)
            if self.once and not self._stopping:
                await self._until_idle()
        except Stopping:
            pass
        finally:
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
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
        for link in self.claim_links.values():
            await link.close()
        await self.report_link.close()
        await self.lease_link.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _release(self, jobs: list[Job]) -> None:
        for source, group in _by_source(jobs).items():
            try:
                n = await asyncio.wait_for(
                    self.report_link.run(lambda c, s=source, g=group: s.release(c, g), retry=False), timeout=5
                )
                self.stats.released += n
                for job in group:
                    self.owned.pop(lease_key(job), None)
                log.info("unfinished jobs handed back", extra={"worker": self.name, "source": source.name, "count": n})
            except (psycopg.Error, TimeoutError, Stopping) as exc:
                log.warning(
                    "could not hand jobs back; they will be rescued when their leases expire",
                    extra={"count": len(group), "source": source.name, "error": _first_line(exc)},
                )

    # -- claiming ---------------------------------------------------------------

    async def _claim(self, source: Source, want: int) -> list[Job]:
        link = self.claim_links[source.name]
        return await link.run(lambda c: source.claim(c, self.name, want))

    async def _claim_loop(self, source: Source) -> None:
        # Claim again once half a batch of slots is free: big enough batches to be
        # cheap, small enough that slots do not sit idle while work is waiting.
        threshold = max(1, min(self.batch_size, self.concurrency) // 2)
        wake = self._wake if source.wakes_on_notify else asyncio.Event()
        if not source.wakes_on_notify:
            self._other_wakes.append(wake)
        idle = _Idle() if source.wakes_on_notify and self.listen and not self.once else None
        while not self._stopping:
            if self.stop_when is not None and await self.stop_when(self):
                break
            timeout = self.poll_interval
            free = self.concurrency - len(self.active)
            want = min(self.batch_size, free)
            if want >= threshold or (want > 0 and not self.active):
                wake.clear()
                try:
                    jobs = await self._claim(source, want)
                except psycopg.Error as exc:
                    if source.kind == "jobs":
                        raise
                    # A queue that cannot be read now (a message the SQL side refuses,
                    # a dropped queue) never stops the worker: log, wait, try again.
                    log.error("claim failed", extra={"source": source.name, "error": _first_line(exc)})
                    jobs = []
                self.stats.claimed += len(jobs)
                self._dispatch(jobs)
                if self.one_batch:
                    break
                if idle is not None and idle.registered and idle.conn is not self.claim_links[source.name].conn:
                    idle.lost()  # the claim reconnected: the registration ended with the old session
                if len(jobs) == want:
                    if idle is not None and idle.registered:
                        await self._idle_end(source, idle)  # a backlog: producers need not wake us
                    continue  # there may be more waiting: claim again at once
                if self.once and not jobs and not any(j.source is source for j in self.active.values()):
                    break
                if idle is not None and not idle.passed:
                    if await self._idle_begin(source, idle):
                        continue  # the claim after the barrier: it sees every job nobody will notify
                    timeout = idle.backoff()
            try:
                await asyncio.wait_for(wake.wait(), timeout=timeout)
            except TimeoutError:
                pass
        if idle is not None and idle.registered:
            try:
                await asyncio.wait_for(self._idle_end(source, idle), 2)
            except TimeoutError:
                pass  # the session's end drops the registration; the next worker_idle repairs the count

    async def _idle_begin(self, source: Source, idle: _Idle) -> bool:
        """Register as waiting for NOTIFY (conveyor.worker_idle); true once the barrier is passed.

        Producers skip NOTIFY while no worker is registered, so a worker may only wait
        on NOTIFY after registering and then claiming once more after the barrier: see
        functions/core/0130 and 0135. Until the barrier is passed it polls, briefly.
        """
        link = self.claim_links[source.name]
        try:
            # Link.run reconnects and retries a broken session: the registration is then
            # made on the new one, the session this loop claims on from now on.
            rows = await link.run(lambda c: fetchall(c, queries.WORKER_IDLE))
        except psycopg.Error as exc:
            idle.lost()
            if exc.sqlstate == "42883":
                # A database not migrated to 0710 has no worker_idle: its producers
                # NOTIFY every job anyway. Stop trying; wait on NOTIFY as before.
                log.warning("no conveyor.worker_idle: waking on every NOTIFY", extra={"error": _first_line(exc)})
                idle.passed = True
            else:
                log.warning("idle registration failed; polling", extra={"error": _first_line(exc)})
            return False
        idle.conn = link.conn
        idle.passed = bool(rows and rows[0][0])
        if idle.passed:
            idle.delay = _Idle.FIRST_DELAY
        return idle.passed

    async def _idle_end(self, source: Source, idle: _Idle) -> None:
        """End the registration (conveyor.worker_busy): claims come back full, producers need not notify."""
        link = self.claim_links[source.name]
        conn = idle.conn
        idle.lost()
        if conn is None or conn is not link.conn or conn.closed:
            return  # the session, and its registration, are gone already
        try:
            await conn.execute(queries.WORKER_BUSY)
        except psycopg.Error as exc:
            # Left registered, producers only send NOTIFYs nobody needs; a broken
            # session took the registration with it (the next claim reconnects).
            if conn.broken or conn.closed:
                await link.close()
            log.warning("could not end the idle registration", extra={"error": _first_line(exc)})

    async def _until_idle(self) -> None:
        """--once and one batch: every claimed job has run and its outcome is reported."""
        while self.active and not self._stopping:
            self._idle.clear()
            if not self.active:
                break
            await self._idle.wait()
        await self._drain_reports()

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
                    for wake in self._other_wakes:
                        wake.set()
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
        source = job.source
        outcome = await execute(spec, job, source.kind, limit=source.limit, pool=self._pool, missing=missing)
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
        name = job.source.name
        self.stats.by_source[name] = self.stats.by_source.get(name, 0) + 1
        level = logging.INFO if outcome == "completed" else logging.ERROR if outcome == "refused" else logging.WARNING
        if log.isEnabledFor(level):
            extra = {
                **job.source.log_fields(job),
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
        seen: set[tuple[int, int]] = set()
        rest: list[Job] = []
        for job in self._completions[:1000]:
            mark = (id(job.source), job.id)
            if mark in seen:
                rest.append(job)
            else:
                seen.add(mark)
                batch.append(job)
        del self._completions[:1000]
        self._completions[:0] = rest
        groups = _by_source(batch)
        for n, (source, group) in enumerate(groups.items()):
            try:
                done = await self.report_link.run(lambda c, s=source, g=group: s.ack(c, g))
            except Stopping:
                later = [j for grp in list(groups.values())[n:] for j in grp]
                self._completions[:0] = later  # reported at shutdown, or released
                raise
            except Exception as exc:
                # Not transient (Link retries those): the database refuses this report.
                # Leave the jobs to their lease expiry: no renewal, no hand-back.
                for job in group:
                    self._refused(job, "complete", exc)
                continue
            for job in group:
                self.owned.pop(lease_key(job), None)
                if job.id in done:
                    self._finished(job, "completed", job.duration)
                else:
                    self._finished(job, "stale", job.duration, "lease lost before completion; outcome discarded")

    async def _report_failure(self, job: Job, error: str, delay: float | None, permanent: bool) -> None:
        source = job.source
        try:
            outcome = await self.report_link.run(lambda c: source.fail(c, job, error, clamp_delay(delay), permanent))
        except Stopping:
            self._failures.insert(0, (job, error, delay, permanent))
            raise
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
                due = [
                    j
                    for j in self.owned.values()
                    if not j.lost and j.source.renews and j.lease_deadline - now < j.lease_seconds / 2
                ]
                if due:
                    await self._extend(due)
                if self._beats and now - last_beat >= self.heartbeat_every:
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
            shortest = min(
                (j.lease_seconds for j in self.owned.values() if not j.lost and j.source.renews), default=4.0
            )
            await asyncio.sleep(max(0.05, min(1.0, self.heartbeat_every, shortest / 4)))

    async def _extend(self, jobs: list[Job]) -> None:
        for source, group in _by_source(jobs).items():
            started = time.monotonic()
            kept = await self.lease_link.run(lambda c, s=source, g=group: s.extend(c, g))
            # Each renewal follows the lease end the database granted (the job type's
            # lease may have changed since the claim), measured on the database's clock.
            for job in group:
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


class _Idle:
    """One claim loop's NOTIFY registration: held by the session of its claim connection."""

    FIRST_DELAY = 0.01
    MAX_DELAY = 0.2

    def __init__(self) -> None:
        self.conn: psycopg.AsyncConnection[Any] | None = None  # the session holding the registration
        self.passed = False  # registered and past the barrier: waiting on NOTIFY is safe
        self.delay = self.FIRST_DELAY

    def lost(self) -> None:
        self.conn = None
        self.passed = False

    @property
    def registered(self) -> bool:
        return self.conn is not None

    def backoff(self) -> float:
        # A producer that may have skipped its NOTIFY is still in flight: poll until it commits.
        delay, self.delay = self.delay, min(self.delay * 2, self.MAX_DELAY)
        return delay


def _by_source(jobs: list[Job]) -> dict[Any, list[Job]]:
    groups: dict[Any, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.source, []).append(job)
    return groups


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        return exc.diag.message_primary
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
