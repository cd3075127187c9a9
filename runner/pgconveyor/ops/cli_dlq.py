"""``conveyor dlq list|show|requeue|purge``: one dead-letter desk for the jobs table and every pgmq ``<queue>_dlq``.

Every statement calls a ``conveyor.dlq_*`` function; the selection rules (an id, a
queue, a job type or an error fingerprint, at most ``--limit`` per call) live in SQL.
``--queue jobs`` is the jobs table's dead letters; a pgmq queue's name stands for its
``_dlq``. Without ``--queue`` an id means a jobs-table job id.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from pgconveyor.core.config import ConfigError
from pgconveyor.ops import queries_ops
from pgconveyor.ops.console import connect, format_table, headline, records


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    print("\n".join(format_table(header, [["" if c is None else c for c in r] for r in rows])))


def _params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "queue": args.queue,
        "id": args.id,
        "job_type": args.job_type,
        "fingerprint": args.fingerprint,
        "limit": args.limit,
    }


def cmd_dlq(args: argparse.Namespace) -> int:
    params = _params(args)
    with connect() as conn:
        if args.action == "list":
            if args.each or args.fingerprint:
                cur = conn.execute(queries_ops.DLQ_EACH, params)
                rows = cur.fetchall()
                if args.json:
                    print(json.dumps(records(cur, rows), indent=2, default=str))
                    return 0
                if not rows:
                    print("no dead jobs")
                    return 0
                for queue, msg_id, _job_id, job_type, reason, error, fp_id, died, attempts in rows:
                    first = headline(error, 100)
                    tries = attempts if attempts is not None else "?"
                    print(
                        f"{queue:<16} {msg_id:>10}  {job_type or '?':<16} attempts={tries:<3} "
                        f"{_when(died)}  [{fp_id}] {reason}: {first}"
                    )
                return 0
            cur = conn.execute(queries_ops.DLQ_TRIAGE, params)
            rows = cur.fetchall()
            if args.json:
                print(json.dumps(records(cur, rows), indent=2, default=str))
                return 0
            if not rows:
                print("no dead jobs")
                return 0
            _table(
                ("count", "queue", "job type", "first seen", "last seen", "e.g. id", "fingerprint id", "error"),
                [
                    (n, queue, job_type or "?", _when(first), _when(last), sample, fp_id, fp[:90])
                    for queue, job_type, fp_id, fp, n, first, last, sample in rows
                ],
            )
            print("(one line per source, job type and error fingerprint; `dlq list --each` lists them one by one)")
        elif args.action == "show":
            row = conn.execute(queries_ops.DLQ_SHOW, params).fetchone()
            print(json.dumps(row[0], indent=2, default=str))
        else:
            query = queries_ops.DLQ_REQUEUE if args.action == "requeue" else queries_ops.DLQ_PURGE
            rows = conn.execute(query, params).fetchall()
            if args.id is not None and not rows:
                where = (
                    f"dead-letter queue {args.queue}"
                    if args.queue and args.queue != "jobs"
                    else "the dead-letter table"
                )
                raise ConfigError(f"{args.id} is not in {where}")
            done = [r for r in rows if r[3] in ("requeued", "purged")]
            for queue, msg_id, _job_type, result in rows:
                if result not in ("requeued", "purged"):
                    print(f"{queue} {msg_id}: {result}")
            verb = "requeued" if args.action == "requeue" else "purged"
            if args.id is not None and len(done) == 1:
                print(f"{verb} {'job' if done[0][0] == 'jobs' else 'message'} {args.id}")
            else:
                what = f" {args.job_type}" if args.job_type else ""
                print(f"{verb} {len(done)}{what} job(s)")
            if args.id is None and len(rows) == args.limit:
                print(f"(at most {args.limit} per call: run it again for more)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dl = sub.add_parser(
        "dlq", help="dead letters of the jobs table and every pgmq queue: list (triage), show, requeue, purge"
    )
    dl.add_argument("action", choices=["list", "show", "requeue", "purge"])
    dl.add_argument("id", nargs="?", type=int, help="a job id, or with --queue a DLQ msg_id (show, requeue, purge)")
    dl.add_argument("--queue", help="jobs (the jobs table) or a pgmq queue, which stands for its <queue>_dlq")
    dl.add_argument("--job-type")
    dl.add_argument("--fingerprint", help="an error fingerprint or its id, as `dlq list` shows them")
    dl.add_argument("--limit", type=int, default=100, help="at most this many per call (default 100)")
    dl.add_argument("--each", action="store_true", help="list: one line per dead letter instead of the triage")
    dl.add_argument("--json", action="store_true", help="list as JSON")
    dl.set_defaults(func=cmd_dlq)
