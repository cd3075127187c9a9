"""The Inngest outbox forwarder: sends conveyor.inngest_outbox rows to Inngest as events, with the SDK.

Rows are claimed under a lease (``conveyor.claim_outbox``), sent in one batch with
``inngest.Inngest.send`` (the SDK itself retries a few times within a call), then
marked sent (``outbox_sent``) or failed (``outbox_failed``: retried after an
exponential backoff computed in SQL). Nothing is lost: a row leaves the unsent set
only once Inngest has accepted it. Nothing runs twice: the event id is the job id,
and Inngest ignores a second event with an id it has seen, so a re-send after a
crash between send and mark is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import inngest
import psycopg

from pgconveyor.core import queries
from pgconveyor.core.db import Link, Stopping, fetchall, first_line
from pgconveyor.sources.inngest import event_name

log = logging.getLogger("conveyor.outbox")


@dataclass
class OutboxStats:
    sent: int = 0
    failed_sends: int = 0


class OutboxForwarder:
    def __init__(
        self,
        url: str,
        client: inngest.Inngest,
        *,
        batch_size: int = 50,
        poll_interval: float = 1.0,
        lease: float = 60.0,
    ):
        self.url = url
        self.client = client
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease = timedelta(seconds=lease)
        self.stats = OutboxStats()
        self._stopping = False
        self._wake = asyncio.Event()
        self._down_logged = False

    def request_stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        link = Link(self.url, "outbox", lambda: self._stopping)
        log.info("Inngest outbox forwarder started")
        try:
            while not self._stopping:
                try:
                    sent_all = await self.forward_once(link)
                except Stopping:
                    break
                if sent_all:
                    continue
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
                except TimeoutError:
                    pass
        finally:
            await link.close()
        log.info("Inngest outbox forwarder stopped", extra={"sent": self.stats.sent})

    async def forward_once(self, link: Link) -> bool:
        """Send one batch; True when a full batch went out (there may be more waiting)."""
        rows = await link.run(lambda c: fetchall(c, queries.CLAIM_OUTBOX, (self.batch_size, self.lease)))
        if not rows:
            return False
        events = [self._event(r) for r in rows]
        ids = [r[0] for r in rows]
        try:
            await self.client.send(events)
        except Exception as exc:  # the SDK raises its own errors and httpx's; every one means "not accepted"
            self.stats.failed_sends += 1
            if not self._down_logged:
                log.warning("Inngest did not accept events; retrying with backoff", extra={"error": str(exc)[:300]})
                self._down_logged = True
            message = f"{type(exc).__name__}: {exc}"
            await link.run(lambda c: c.execute(queries.OUTBOX_FAILED, (ids, message)))
            return False
        if self._down_logged:
            log.warning("Inngest accepts events again")
            self._down_logged = False
        try:
            await link.run(lambda c: c.execute(queries.OUTBOX_SENT, (ids,)))
        except psycopg.Error as exc:
            # Sent but not marked: the lease runs out and the rows are sent again,
            # under the same event ids, which Inngest drops.
            log.warning("could not mark outbox rows sent", extra={"error": first_line(exc)})
            return False
        self.stats.sent += len(rows)
        return len(rows) == self.batch_size

    @staticmethod
    def _event(row: tuple[Any, ...]) -> inngest.Event:
        outbox_id, job_id, job_type, payload, reason, event_id, _attempts = row
        return inngest.Event(
            id=event_id,
            name=event_name(job_type),
            data={"job_id": job_id, "job_type": job_type, "payload": payload, "reason": reason, "outbox_id": outbox_id},
        )
