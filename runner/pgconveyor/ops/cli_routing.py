"""``conveyor route list|set``, ``conveyor mode show|set``, ``conveyor dispatch`` and the worker's executor options."""

from __future__ import annotations

import argparse
import json
from typing import Any

import psycopg

from pgconveyor.core import queries
from pgconveyor.core.config import ConfigError
from pgconveyor.ops.console import connect, format_table, parse_payload
from pgconveyor.ops.modes import parse_bool, parse_executor, set_mode, show_mode


def cmd_route(args: argparse.Namespace) -> int:
    with connect() as conn:
        if args.action == "set":
            if not args.job_type or not args.destination:
                raise ConfigError("route set needs a job type and a destination: jobs, pgmq <queue> or inngest")
            conn.execute(queries.SET_ROUTE, (args.job_type, args.destination, args.queue))
        rows = conn.execute(queries.ROUTES).fetchall()
    if args.json:
        keys = ["job_type", "destination", "queue", "effective_destination", "effective_queue", "dual_run", "note"]
        print(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], indent=2))
        return 0
    if args.action == "set":
        rows = [r for r in rows if r[0] == args.job_type]
    header = ("job type", "route", "now goes to", "note")
    table = []
    for job_type, dest, queue, eff, eff_queue, dual, note in rows:
        route = f"{dest} {queue}" if queue else dest
        now = f"{eff} {eff_queue}" if eff_queue else eff
        if dual:
            now += " + inngest (dual run)"
        table.append((job_type, route, now, note or ""))
    print("\n".join(format_table(header, table)))
    return 0


def cmd_mode(args: argparse.Namespace) -> int:
    with connect() as conn:
        if args.action == "set":
            primary = parse_executor("--primary", args.primary) if args.primary else None
            fallback = parse_bool("--fallback", args.fallback) if args.fallback else None
            dual = parse_bool("--dual-run", args.dual_run) if args.dual_run else None
            if primary is None and fallback is None and dual is None:
                raise ConfigError("mode set needs --primary, --fallback or --dual-run")
            mode = set_mode(conn, primary, fallback, dual)
        else:
            mode = show_mode(conn)
    if args.json:
        print(json.dumps(mode, indent=2, default=str))
    else:
        executors = ", ".join(k for k, v in mode["executors"].items() if v) or "none"
        print(f"mode              {mode['mode']}")
        print(f"primary executor  {mode['primary_executor']}")
        print(f"inngest fallback  {str(mode['inngest_fallback']).lower()}")
        print(f"dual run          {str(mode['dual_run']).lower()}")
        print(f"pgmq available    {str(mode['pgmq_available']).lower()}")
        print(f"executors in use  {executors}")
    return 0


def cmd_dispatch(args: argparse.Namespace) -> int:
    payload = parse_payload(args.payload)
    delay = f"{args.delay} seconds" if args.delay is not None else None
    with connect() as conn:
        row = conn.execute(
            queries.DISPATCH,
            (args.job_type, psycopg.types.json.Jsonb(payload), args.priority, None, delay, args.dedup_key, None),
        ).fetchone()
    print(json.dumps(row[0]))
    return 0


def register(sub: Any) -> None:
    """Add route, mode and dispatch to the ``conveyor`` parser."""
    rt = sub.add_parser("route", help="the routing table: list, or set a job type's destination")
    rt.add_argument("action", choices=["list", "set"])
    rt.add_argument("job_type", nargs="?")
    rt.add_argument("destination", nargs="?", choices=["jobs", "pgmq", "inngest"])
    rt.add_argument("queue", nargs="?", help="the pgmq queue (pgmq routes only)")
    rt.add_argument("--json", action="store_true")
    rt.set_defaults(func=cmd_route)

    md = sub.add_parser("mode", help="the execution mode: show, or set its flags")
    md.add_argument("action", choices=["show", "set"])
    md.add_argument("--primary", help="postgres (alias supabase) or inngest")
    md.add_argument("--fallback", help="true or false: Inngest runs what Postgres cannot")
    md.add_argument("--dual-run", help="true or false: Postgres and Inngest both run the work")
    md.add_argument("--json", action="store_true")
    md.set_defaults(func=cmd_mode)

    dp = sub.add_parser("dispatch", help="send work where the routing table and the mode say (conveyor.dispatch)")
    dp.add_argument("job_type")
    dp.add_argument("--payload", default="{}", help="JSON object")
    dp.add_argument("--priority", type=int)
    dp.add_argument("--delay", type=float, help="seconds from now")
    dp.add_argument("--dedup-key")
    dp.set_defaults(func=cmd_dispatch)


def add_worker_options(wk: argparse.ArgumentParser) -> None:
    """The worker's options for pgmq and the Inngest outbox."""
    wk.add_argument(
        "--pgmq",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="consume the pgmq queues the routes use (default: on when pgmq is present; PROCESS_PGMQ=false is off)",
    )
    wk.add_argument("--pgmq-vt", type=int, default=30, help="pgmq visibility timeout in seconds (default 30)")
    wk.add_argument(
        "--outbox",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="forward the Inngest outbox (default: when the execution mode uses Inngest)",
    )
