"""``conveyor schedule``, ``housekeeping``, ``health`` and ``serve``: the operations side of the CLI.

Registered in runner/cli.py:build_parser by ``register(sub)``. Every command calls
one conveyor.* function; errors surface through pgconveyor.ops.cli.main as one line.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb

from pgconveyor.ops import queries_ops
from pgconveyor.ops.console import UsageError, connect, format_table, headline, parse_payload, records

HEALTH_EXIT = {"healthy": 0, "degraded": 1, "unhealthy": 2}


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def render_schedules(rows: list[tuple[Any, ...]]) -> str:
    header = ["schedule", "cron", "job type", "state", "next run (UTC)", "last run (UTC)", "last result"]
    table = []
    for name, cron, job_type, action, enabled, next_at, last_at, _job, missed, cron_job, status, _st, message in rows:
        state = "enabled" if enabled else "paused"
        if missed:
            state += ", MISSED"
        if cron_job is False and enabled:
            state += ", no pg_cron job"
        if status:
            result = status if status == "succeeded" else f"{status}: {headline(message, 60)}"
        else:
            result = "ok" if last_at else "-"
        table.append(
            [
                name,
                cron,
                job_type if action == "enqueue" else f"({action})",
                state,
                _when(next_at) if enabled else "-",
                _when(last_at),
                result,
            ]
        )
    return "\n".join(format_table(header, table))


def cmd_schedule(args: argparse.Namespace) -> int:
    with connect() as conn:
        if args.action == "list":
            cur = conn.execute(queries_ops.LIST_SCHEDULES)
            rows = cur.fetchall()
            if args.json:
                print(json.dumps(records(cur, rows), indent=2, default=str))
            elif not rows:
                print("no schedules")
            else:
                print(render_schedules(rows))
            return 0
        if args.action == "tick":
            rows = conn.execute(queries_ops.TICK).fetchall()
            for name, due_at, job_id in rows:
                print(f"{name}: due {_when(due_at)}, job {job_id if job_id is not None else '-'}")
            if not rows:
                print("nothing due")
            return 0
        if not args.name:
            raise UsageError(f"schedule {args.action} needs a schedule name")
        if args.action == "add":
            if not args.cron or not args.job_type:
                raise UsageError('schedule add needs NAME CRON JOB_TYPE, e.g. add nightly "0 2 * * *" housekeeping')
            payload = parse_payload(args.payload)
            conn.execute(
                queries_ops.ADD_SCHEDULE,
                {
                    "name": args.name,
                    "cron": args.cron,
                    "job_type": args.job_type,
                    "payload": Jsonb(payload),
                    "priority": args.priority,
                    "enabled": not args.paused,
                    "description": args.description,
                },
            )
            print(f"schedule {args.name} saved{' (paused)' if args.paused else ''}")
        elif args.action == "remove":
            conn.execute(queries_ops.REMOVE_SCHEDULE, (args.name,))
            print(f"schedule {args.name} removed")
        elif args.action in ("pause", "resume"):
            conn.execute(queries_ops.SET_SCHEDULE_ENABLED, (args.name, args.action == "resume"))
            print(f"schedule {args.name} {'paused' if args.action == 'pause' else 'resumed'}")
        elif args.action == "run-now":
            job_id = conn.execute(queries_ops.RUN_SCHEDULE_NOW, (args.name,)).fetchone()[0]
            print(f"schedule {args.name} ran" + (f": job {job_id}" if job_id is not None else ""))
    return 0


def cmd_housekeeping(args: argparse.Namespace) -> int:
    with connect() as conn:
        result = conn.execute(queries_ops.HOUSEKEEPING).fetchone()[0]
    print(json.dumps(result, indent=2))
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    with connect() as conn:
        result = conn.execute(queries_ops.HEALTH).fetchone()[0]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"status: {result['status']}")
        for problem in result["problems"]:
            print(f"! {problem['severity']}: {problem['reason']}")
            print(f"  -> {problem['recommendation']}")
    return HEALTH_EXIT.get(result["status"], 2)


def cmd_settings(args: argparse.Namespace) -> int:
    with connect() as conn:
        if args.action == "set":
            if not args.name or args.value is None:
                raise UsageError("settings set needs NAME VALUE, e.g. settings set history_retention '14 days'")
            conn.execute(queries_ops.SET_SETTING, (args.name, args.value))
            print(f"{args.name} = {args.value}")
            return 0
        rows = conn.execute(queries_ops.LIST_SETTINGS).fetchall()
    width = max((len(r[0]) for r in rows), default=0)
    value_width = max((len(r[1]) for r in rows), default=0)
    for name, value, description in rows:
        print(f"{name.ljust(width)}  {value.ljust(value_width)}  {description or ''}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sc = sub.add_parser("schedule", help="recurring jobs: list, add, remove, pause, resume, run-now, tick")
    sc.add_argument("action", choices=["list", "add", "remove", "pause", "resume", "run-now", "tick"])
    sc.add_argument("name", nargs="?", help="schedule name")
    sc.add_argument("cron", nargs="?", help='cron expression in UTC, e.g. "*/5 * * * *" (add)')
    sc.add_argument("job_type", nargs="?", help="job type to enqueue (add)")
    sc.add_argument("--payload", default="{}", help="JSON object (add)")
    sc.add_argument("--priority", type=int, help="job priority (add; default: the type's)")
    sc.add_argument("--paused", action="store_true", help="add it paused")
    sc.add_argument("--description")
    sc.add_argument("--json", action="store_true", help="list as JSON")
    sc.set_defaults(func=cmd_schedule)

    hk = sub.add_parser(
        "housekeeping", help="prune history, dead letters and logs past retention; rescue expired leases"
    )
    hk.set_defaults(func=cmd_housekeeping)

    he = sub.add_parser("health", help="healthy, degraded or unhealthy, and why (exit 0, 1 or 2)")
    he.add_argument("--json", action="store_true")
    he.set_defaults(func=cmd_health)

    st = sub.add_parser("settings", help="retention and health thresholds: list, set NAME VALUE")
    st.add_argument("action", choices=["list", "set"])
    st.add_argument("name", nargs="?")
    st.add_argument("value", nargs="?")
    st.set_defaults(func=cmd_settings)

    register_serve(sub)


def cmd_serve(args: argparse.Namespace) -> int:
    from pgconveyor.ops.http import serve

    return serve(args.host, args.port, args.log_level, args.handlers)


def register_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sv = sub.add_parser("serve", help="HTTP: /api/health/queues, /api/jobs/cron, /api/jobs/process, /metrics")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sv.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    sv.add_argument("--handlers", action="append", help="extra handler module for /api/jobs/process (repeatable)")
    sv.set_defaults(func=cmd_serve)
