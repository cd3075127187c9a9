"""What ``conveyor worker`` runs besides the jobs table: the routed pgmq queues and the Inngest outbox forwarder.

The pgmq queues are sources of the one worker (same slots, executor and reporter);
companions such as the outbox forwarder run as sibling tasks that stop when the
worker stops (a signal, ``--once``, an error in one of them).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from pgconveyor.core.registry import HandlerSpec
from pgconveyor.core.source import Source
from pgconveyor.core.worker import Worker

log = logging.getLogger("conveyor.worker")


class Companion(Protocol):
    async def run(self) -> None: ...

    def request_stop(self) -> None: ...


def build_companions(
    url: str,
    handlers: dict[str, HandlerSpec],
    *,
    pgmq: bool,
    outbox: bool | None,
    pgmq_vt: int = 30,
    poll_interval: float = 1.0,
    once: bool = False,
) -> tuple[list[Source], list[Companion]]:
    """Apply the environment's execution mode; return the worker's extra sources and its companions.

    The pgmq queues the routes use are sources of the worker itself (when pgmq is
    present and ``pgmq`` is on); the Inngest outbox forwarder runs beside it
    (``outbox=None``: when the mode in force uses Inngest). Missing Inngest keys in
    production mode are a ConfigError here, at start-up.
    """
    from pgconveyor.core import queries
    from pgconveyor.core.db import connect
    from pgconveyor.ops.modes import apply_env_mode
    from pgconveyor.sources.pgmq import consumable_queues, pgmq_sources

    with connect(url) as conn:
        mode = apply_env_mode(conn)
        # The mode says whether pgmq is there: read the routed queues on the same connection.
        routed = conn.execute(queries.PGMQ_QUEUES).fetchall() if pgmq and mode["pgmq_available"] else []
    sources: list[Source] = list(pgmq_sources(consumable_queues(routed, handlers), pgmq_vt))
    log.info(
        "execution mode",
        extra={
            "mode": mode["mode"],
            "pgmq_available": mode["pgmq_available"],
            "pgmq_queues": ",".join(s.name.removeprefix("pgmq:") for s in sources) or "-",
        },
    )
    companions: list[Companion] = []
    if outbox is None:
        outbox = bool(mode["executors"]["inngest"])
    if outbox:
        from pgconveyor.sources.inngest import inngest_client
        from pgconveyor.sources.outbox import OutboxForwarder

        companions.append(OutboxForwarder(url, inngest_client(send=True), poll_interval=poll_interval))
    return sources, companions


async def run_with_companions(worker: Worker, companions: list[Companion]) -> int:
    """Run the worker and its companions until the worker stops; a companion that fails stops the worker."""
    if not companions:
        return await worker.run()
    worker_task = asyncio.create_task(worker.run(), name="worker")
    others = [asyncio.create_task(c.run(), name=type(c).__name__) for c in companions]
    try:
        pending: set[asyncio.Task[object]] = {worker_task, *others}
        while worker_task in pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not worker_task and task.exception() is not None:
                    log.error("stopping: %s failed: %s", task.get_name(), task.exception())
                    worker.request_stop()
    finally:
        # With --once, a companion that drains too (the pgmq consumer) finishes its own
        # drain unless the worker was told to stop; every other companion stops now.
        drain = worker.once and not worker.signalled
        for c in companions:
            if not (drain and getattr(c, "once", False)):
                c.request_stop()
        results = await asyncio.gather(*others, return_exceptions=True)
    if any(isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError) for r in results):
        return worker_task.result() or 1
    return worker_task.result()
