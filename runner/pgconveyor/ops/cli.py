"""The ``conveyor`` command. Errors are one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from pgconveyor.core import queries
from pgconveyor.core.config import ConfigError, database_url, using_embedded
from pgconveyor.core.db import first_line
from pgconveyor.ops.console import UsageError, connect, parse_payload, records, render_status

# -- db ------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace) -> int:
    from pgconveyor.ops.cluster import Cluster

    if not using_embedded() and args.action != "url":
        raise ConfigError("DATABASE_URL is set: the embedded cluster is not used (unset it to manage the local one)")
    if not using_embedded():
        print(os.environ["DATABASE_URL"])
        return 0
    cluster = Cluster.default()
    if args.action == "start":
        cluster.start()
        print(f"embedded database {cluster.status()}")
    elif args.action == "stop":
        cluster.stop()
        print(f"embedded database {cluster.status()}")
    elif args.action == "status":
        print(f"embedded database {cluster.status()}")
        return 0 if cluster.running() else 3
    elif args.action == "url":
        print(cluster.url())
    return 0


# -- migrate -------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from pgconveyor.ops.migrate import migrate

    if using_embedded():
        from pgconveyor.ops.cluster import Cluster

        Cluster.default().start()
    if args.to:
        from pgconveyor.ops.rollback import migrate_to

        back = migrate_to(database_url(), args.to, echo=lambda m: print(f"conveyor: {m}"))
        print(f"conveyor: at {back.to_version} (was {back.from_version})")
        return 0
    report = migrate(database_url(), echo=lambda m: print(f"conveyor: {m}"))
    if not report.applied_migrations:
        print("conveyor: schema is up to date")
    return 0


# -- worker --------------------------------------------------------------------


def cmd_worker(args: argparse.Namespace) -> int:
    from pgconveyor.core import logs
    from pgconveyor.core.registry import load_handlers
    from pgconveyor.core.worker import Worker
    from pgconveyor.ops.modes import fair_from_env, process_pgmq_from_env

    logs.setup(args.log_level, args.log_json)
    fair = fair_from_env() if args.fair is None else args.fair  # a bad CONVEYOR_FAIR is an error before anything runs
    handlers = load_handlers(args.handlers)
    job_types = _split(args.job_types) if args.job_types else None
    if using_embedded():
        connect().close()  # a clear error when the embedded database is down
    settings: dict[str, Any] = {
        "job_types": job_types,
        "concurrency": args.concurrency,
        "batch_size": args.batch_size,
        "lease": args.lease,
        "once": args.once,
        "poll_interval": args.poll_interval,
        "grace": args.grace,
        "listen": not args.no_listen,
        "fair": fair,
    }
    checked = Worker(database_url(), handlers, **settings)  # bad settings are a ConfigError now
    if args.processes != 1:  # the settings are valid: run them N times
        from pgconveyor.ops.processes import supervise

        return supervise(args)
    from pgconveyor.ops.companions import build_companions, run_with_companions

    pgmq = process_pgmq_from_env() if args.pgmq is None else args.pgmq
    own = {t: h for t, h in handlers.items() if t in checked.job_types}
    sources, companions = build_companions(
        database_url(),
        own,
        pgmq=pgmq,
        outbox=args.outbox,
        pgmq_vt=args.pgmq_vt,
        poll_interval=args.poll_interval,
        once=args.once,
    )
    worker = Worker(database_url(), handlers, sources=sources, **settings)
    code = asyncio.run(run_with_companions(worker, companions))
    # A sync handler still running after the grace period has had its job handed back;
    # Python would otherwise wait for its thread at exit, past any grace period.
    if any(t.name.startswith("conveyor-handler") and t.is_alive() for t in threading.enumerate()):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# -- enqueue -------------------------------------------------------------------


def cmd_enqueue(args: argparse.Namespace) -> int:
    payload = parse_payload(args.payload)
    run_at = None
    if args.run_at:
        try:
            run_at = datetime.fromisoformat(args.run_at)
        except ValueError as exc:
            raise UsageError(f"--run-at is not an ISO 8601 timestamp: {args.run_at!r}") from exc
    delay = f"{args.delay} seconds" if args.delay is not None else None
    with connect() as conn:
        row = conn.execute(
            queries.ENQUEUE,
            (
                args.job_type,
                psycopg.types.json.Jsonb(payload),
                args.priority,
                run_at,
                delay,
                args.dedup_key,
                args.max_attempts,
            ),
        ).fetchone()
    print(row[0] if row else "")
    return 0


# -- status --------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    with connect() as conn:
        cur = conn.execute(queries.JOB_STATUS)
        rows = cur.fetchall()
    if args.json:
        print(json.dumps(records(cur, rows), indent=2))
    else:
        print(render_status(rows))
    return 0


# -- demo ----------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from pgconveyor.ops.demo import run_demo

    return run_demo(args.jobs, quiet=args.quiet)


# -- parser --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="conveyor", description="Background jobs that live in PostgreSQL.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="manage the embedded PostgreSQL cluster")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(func=cmd_db)

    mg = sub.add_parser("migrate", help="apply migrations, functions and cron schedules (idempotent)")
    mg.add_argument(
        "--to",
        metavar="VERSION",
        help="roll back to an earlier migration id (or 'base'), with that version's functions (docs/operations.md)",
    )
    mg.set_defaults(func=cmd_migrate)

    wk = sub.add_parser("worker", help="run jobs")
    wk.add_argument("--job-types", help="comma-separated job types to claim (default: every type with a handler)")
    wk.add_argument("--concurrency", type=int, default=25, help="jobs run at once (default 25)")
    wk.add_argument("--batch-size", type=int, default=25, help="jobs claimed per call (default 25)")
    wk.add_argument("--lease", type=float, help="lease in seconds (default: the job type's, 30 s)")
    wk.add_argument(
        "--once", action="store_true", help="drain the jobs (and, with --pgmq, the messages) that are due, then exit"
    )
    wk.add_argument("--poll-interval", type=float, default=1.0, help="seconds between polls when idle (default 1)")
    wk.add_argument("--grace", type=float, default=30.0, help="seconds in-flight jobs get at shutdown (default 30)")
    wk.add_argument("--no-listen", action="store_true", help="poll only (behind a transaction pooler)")
    wk.add_argument(
        "--fair",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="claim round robin across job types, so one type's flood cannot starve another's trickle "
        "(default: strict priority, then oldest; CONVEYOR_FAIR=true is on)",
    )
    wk.add_argument("--handlers", action="append", help="extra handler module to import (repeatable)")
    wk.add_argument("--log-json", action="store_true", help="log JSON lines")
    wk.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    wk.set_defaults(func=cmd_worker)
    from pgconveyor.ops import cli_routing  # pgmq, routing and execution modes (issue 4)

    cli_routing.add_worker_options(wk)
    cli_routing.register(sub)
    from pgconveyor.ops import processes  # --processes N: a supervisor of N workers

    processes.add_worker_options(wk)

    eq = sub.add_parser("enqueue", help="add a job")
    eq.add_argument("job_type")
    eq.add_argument("--payload", default="{}", help="JSON object")
    eq.add_argument("--priority", type=int, help="higher runs first (default: the type's)")
    when = eq.add_mutually_exclusive_group()
    when.add_argument("--delay", type=float, help="seconds from now")
    when.add_argument("--run-at", help="ISO 8601 timestamp")
    eq.add_argument("--dedup-key", help="at most one live job per key")
    eq.add_argument("--max-attempts", type=int)
    eq.set_defaults(func=cmd_enqueue)

    st = sub.add_parser("status", help="a table per job type")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)

    from pgconveyor.ops import cli_dlq  # the dead-letter desk: jobs table and pgmq DLQs (issue 9)

    cli_dlq.register(sub)

    dm = sub.add_parser("demo", help="enqueue demo jobs and run them with a progress bar (make run)")
    dm.add_argument("--jobs", type=int, default=300)
    dm.add_argument("--quiet", action="store_true")
    dm.set_defaults(func=cmd_demo)

    # Schedules, housekeeping, health, the HTTP server and doctor live in their own modules.
    from pgconveyor.ops import cli_schedule, doctor

    cli_schedule.register(sub)
    doctor.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what a supervisor's children run again
    if args.command == "dlq" and args.action == "show" and args.id is None:  # cmd_dlq relies on it
        parser.error("dlq show needs a job id")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (ConfigError, UsageError, ImportError) as exc:
        print(f"conveyor: error: {exc}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:
        message = first_line(exc).removeprefix("conveyor: ")  # our SQL errors carry the prefix already
        print(f"conveyor: error: {message}", file=sys.stderr)
        if exc.diag.message_hint:
            print(f"conveyor: hint: {exc.diag.message_hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
