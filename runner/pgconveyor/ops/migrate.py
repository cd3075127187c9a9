"""conveyor migrate: yoyo migrations, then every functions/ file, then every cron/ file, in one run.

Versioned data (tables, types, indexes) goes through yoyo; repeatable code
(functions, views, grants) is re-applied by every run with ``create or replace``.
A session advisory lock serialises concurrent runs; a second run changes nothing.
Nothing assumes a superuser: extensions are created only when the server has them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from pgconveyor.core.config import MIGRATIONS_DIR

log = logging.getLogger("conveyor.migrate")

# An arbitrary, fixed key: every migrate of every version takes the same lock.
MIGRATE_LOCK_KEY = 7_311_001


@dataclass
class MigrateReport:
    applied_migrations: list[str] = field(default_factory=list)
    functions: int = 0
    cron_files: int = 0
    notes: list[str] = field(default_factory=list)
    pgmq_queues: list[str] = field(default_factory=list)


def _yoyo_url(url: str) -> str:
    """yoyo needs the psycopg 3 driver named in the scheme, and its tables in our schema."""
    parts = urlsplit(url)
    scheme = "postgresql+psycopg"
    query = dict(parse_qsl(parts.query))
    query["schema"] = "conveyor"
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


@contextmanager
def yoyo_backend(url: str) -> Iterator[Any]:
    """yoyo's backend for ``url``, its connection closed on the way out."""
    from yoyo import get_backend

    backend = get_backend(_yoyo_url(url))
    try:
        yield backend
    finally:
        backend.connection.close()


def _apply_yoyo(url: str) -> list[str]:
    from yoyo import read_migrations

    migrations = read_migrations(str(MIGRATIONS_DIR))
    with yoyo_backend(url) as backend, backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def available_extensions(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute("select name from pg_available_extensions")}


def installed_extensions(conn: psycopg.Connection) -> set[str]:
    return {r[0] for r in conn.execute("select extname from pg_extension")}


def _ensure_pg_cron(conn: psycopg.Connection, report: MigrateReport) -> bool:
    if "pg_cron" in installed_extensions(conn):
        return True
    if "pg_cron" not in available_extensions(conn):
        report.notes.append(
            "pg_cron is not available on this server: schedules will not fire by themselves. "
            "Install postgresql-15-cron and add pg_cron to shared_preload_libraries "
            "(on Supabase: enable the pg_cron extension in the dashboard), "
            "or call `conveyor schedule tick` or POST /api/jobs/cron every minute."
        )
        return False
    try:
        with conn.transaction():
            conn.execute("create extension if not exists pg_cron")
        return True
    except psycopg.Error as exc:
        report.notes.append(
            f"pg_cron could not be created here ({exc.diag.message_primary}); schedules will not fire by themselves: "
            "call `conveyor schedule tick` or POST /api/jobs/cron every minute."
        )
        return False


def migrate(url: str, echo: Callable[[str], None] | None = None, install_pgmq: bool | None = None) -> MigrateReport:
    from pgconveyor.ops import code_sets
    from pgconveyor.ops.pgmq_setup import ensure_pgmq, install_allowed

    report = MigrateReport()
    say = echo or (lambda _msg: None)
    with psycopg.connect(url, autocommit=True) as lock_conn:
        lock_conn.execute("select pg_advisory_lock(%s)", (MIGRATE_LOCK_KEY,))
        try:
            lock_conn.execute("create schema if not exists conveyor")
            report.applied_migrations = _apply_yoyo(url)
            for mid in report.applied_migrations:
                say(f"migration {mid} applied")
            pgmq_ok, pgmq_note = ensure_pgmq(url, lock_conn, install_allowed(install_pgmq))
            if pgmq_note:
                report.notes.append(pgmq_note)
            code = code_sets.current(code_sets.migration_order()[-1])
            with lock_conn.transaction():
                for f in code.functions:
                    lock_conn.execute(f.sql)
                    report.functions += 1
                # What ran at this version, for `conveyor migrate --to` (ops/rollback.py).
                code_sets.record(lock_conn, code)
            say(f"{report.functions} function and view files applied")
            if pgmq_ok:
                try:
                    with lock_conn.transaction():
                        report.pgmq_queues = [r[0] for r in lock_conn.execute("select conveyor.ensure_pgmq_queues()")]
                except psycopg.errors.InsufficientPrivilege as exc:
                    # pgmq usable but not ours to extend: finish the rest, say how to fix it.
                    from pgconveyor.ops.pgmq_setup import grant_fix, pgmq_access

                    report.notes.append(
                        f"pgmq queues could not be created ({exc.diag.message_primary}): dispatch to a missing "
                        f"queue fails until it exists. To fix, {grant_fix(pgmq_access(lock_conn))}."
                    )
                for queue in report.pgmq_queues:
                    say(f"pgmq queue {queue} created")
            if code.cron:
                if _ensure_pg_cron(lock_conn, report):
                    with lock_conn.transaction():
                        for f in code.cron:
                            lock_conn.execute(f.sql)
                            report.cron_files += 1
                    say(f"{report.cron_files} cron files applied")
            else:
                _ensure_pg_cron(lock_conn, report)
            from pgconveyor.ops.doctor import cron_timezone_problem

            tz_problem = cron_timezone_problem(lock_conn)
            if tz_problem:
                report.notes.append(f"{tz_problem}. Set cron.timezone = 'GMT' (see `conveyor doctor`).")
            for note in report.notes:
                say(f"note: {note}")
        finally:
            lock_conn.execute("select pg_advisory_unlock(%s)", (MIGRATE_LOCK_KEY,))
    return report
