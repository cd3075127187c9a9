"""Connections that survive the database going away: reconnect with backoff, retry what is safe.

A ``Link`` is one named async connection (autocommit, no server-side prepared
statements, so it also works behind a transaction pooler such as Supabase's on
port 6543). ``Link.run`` retries a call when the connection broke or the server
reported a transient failure (deadlock, serialization failure, statement timeout,
lock timeout, admin shutdown); any other error is raised to the caller.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
import psycopg
from psycopg.types.json import set_json_loads

T = TypeVar("T")

log = logging.getLogger("conveyor.db")

# deadlock_detected, serialization_failure, query_canceled (statement_timeout),
# lock_not_available, and the admin/crash shutdown family.
TRANSIENT_SQLSTATES = {"40P01", "40001", "57014", "55P03", "57P01", "57P02", "57P03"}


class Stopping(Exception):
    """Raised out of a retry loop when the worker is shutting down."""


def connect_kwargs() -> dict[str, Any]:
    # prepare_threshold=None: never create named prepared statements, which a
    # transaction pooler would hand to the wrong backend. Our statements are one
    # call to a PL/pgSQL function, whose plans Postgres caches anyway.
    return {"autocommit": True, "prepare_threshold": None, "application_name": "conveyor"}


def first_line(exc: BaseException) -> str:
    """An error in one line, for a log field or a message: the server's primary message, else str's first line."""
    if isinstance(exc, psycopg.Error) and exc.diag.message_primary:
        return exc.diag.message_primary
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect(
    url: str, *, application_name: str = "conveyor", connect_timeout: int | None = None
) -> psycopg.Connection[Any]:
    """The one way to open a synchronous connection (CLI, HTTP, migrate, demo): same settings as a Link."""
    kwargs = connect_kwargs()
    kwargs["application_name"] = application_name
    if connect_timeout is not None:
        kwargs["connect_timeout"] = connect_timeout
    return psycopg.connect(url, **kwargs)


class Link:
    def __init__(
        self,
        url: str,
        name: str,
        should_stop: Callable[[], bool] = lambda: False,
        max_backoff: float = 5.0,
    ):
        self.url = url
        self.name = name
        self.should_stop = should_stop
        self.max_backoff = max_backoff
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self._down_logged = False
        self.reconnects = 0
        # Two coroutines sharing a link (the claim loop and the heartbeat) must not
        # both connect: the second connection would replace the first, left open.
        self._connect_lock = asyncio.Lock()

    async def connect(self) -> psycopg.AsyncConnection[Any]:
        if self.conn is not None and not self.conn.closed:
            return self.conn
        async with self._connect_lock:
            return await self._connect()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        delay = 0.05
        while True:
            if self.conn is not None and not self.conn.closed:
                return self.conn
            try:
                self.conn = await psycopg.AsyncConnection.connect(self.url, **connect_kwargs())
                set_json_loads(orjson.loads, self.conn)
                if self._down_logged:
                    log.warning("database reachable again", extra={"link": self.name})
                    self._down_logged = False
                    self.reconnects += 1
                return self.conn
            except psycopg.OperationalError as exc:
                self._note_down(exc)
                if self.should_stop():
                    raise Stopping from exc
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, self.max_backoff)

    def _note_down(self, exc: BaseException) -> None:
        if not self._down_logged:
            log.warning(
                "database unreachable; retrying with backoff",
                extra={
                    "link": self.name,
                    "error": first_line(exc),
                },
            )
            self._down_logged = True

    async def close(self) -> None:
        if self.conn is not None:
            try:
                await self.conn.close()
            except Exception:
                pass
            self.conn = None

    async def run(self, fn: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]], retry: bool = True) -> T:
        delay = 0.05
        while True:
            conn = await self.connect()
            try:
                return await fn(conn)
            except psycopg.Error as exc:
                broken = conn.broken or conn.closed
                transient = broken or (exc.sqlstate in TRANSIENT_SQLSTATES)
                if not (retry and transient):
                    raise
                if broken:
                    self._note_down(exc)
                    await self.close()
                else:
                    log.info(
                        "transient database error; retrying",
                        extra={"link": self.name, "sqlstate": exc.sqlstate},
                    )
                if self.should_stop():
                    raise Stopping from exc
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, self.max_backoff)


async def fetchall(
    conn: psycopg.AsyncConnection[Any], query: str, params: Any = None, binary: bool = False
) -> list[tuple[Any, ...]]:
    cur = await conn.execute(query, params, binary=binary)
    return await cur.fetchall()
