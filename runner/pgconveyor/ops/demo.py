"""``make run``'s demo: a few hundred jobs of every type through the jobs table and pgmq, with progress and health.

Work is sent the way the original design routes it (``conveyor.dispatch``): the
scheduled types to the jobs table, execution/order_close/alert/metric to their pgmq
queues when pgmq is installed. One worker runs both, as ``conveyor worker --pgmq``.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from pgconveyor.core import db, queries
from pgconveyor.core.config import database_url
from pgconveyor.core.registry import load_handlers
from pgconveyor.core.worker import Worker
from pgconveyor.ops import queries_ops
from pgconveyor.ops.console import connect as _connect
from pgconveyor.ops.console import headline, render_status

JOB_TYPES = ["calendar_sync", "risk_check", "housekeeping", "execution", "order_close", "alert", "metric"]

# Work the demo's worker still has to do in the jobs table (its types are every type).
REMAINING_JOBS = "select coalesce(sum(ready + scheduled + running), 0) from conveyor.job_status"
PGMQ_DEPTH = "select coalesce(sum(depth), 0) from conveyor.pgmq_queue_depths() where queue_name not like '%%\\_dlq'"
PGMQ_QUEUES = "select queue_name, depth from conveyor.pgmq_queue_depths() order by queue_name"


def demo_jobs(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n jobs over every type and priority: ~8% fail once or twice, 3 always fail (dead letters)."""
    rng = random.Random(seed)
    jobs = []
    for i in range(n):
        job_type = JOB_TYPES[i % len(JOB_TYPES)]
        payload: dict[str, Any] = {"demo": i}
        job: dict[str, Any] = {"job_type": job_type, "payload": payload, "priority": rng.choice([-5, 0, 0, 5, 10])}
        if i < 3:
            # i < 3 are calendar_sync, risk_check, housekeeping: jobs-table types.
            payload["always_fail"] = True
            job["max_attempts"] = 3
        elif rng.random() < 0.08:
            payload["fail_times"] = rng.choice([1, 2])
        if rng.random() < 0.05:
            job["delay_seconds"] = rng.uniform(1, 4)
        jobs.append(job)
    return jobs


def _bar(done: int, total: int, width: int = 32) -> str:
    filled = int(width * done / total) if total else width
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _routes(conn: psycopg.Connection[Any]) -> dict[str, str]:
    try:
        return {r[0]: r[1] for r in conn.execute(queries.ROUTES)}
    except psycopg.errors.UndefinedFunction:
        return {}


def _enqueue(conn: psycopg.Connection[Any], jobs: list[dict[str, Any]]) -> tuple[list[int], int]:
    """Jobs-table work in one enqueue_batch call; pgmq-routed work through conveyor.dispatch."""
    routes = _routes(conn)
    table_jobs = [j for j in jobs if routes.get(j["job_type"], "jobs") == "jobs"]
    routed = [j for j in jobs if routes.get(j["job_type"], "jobs") != "jobs"]
    with conn.transaction():
        ids = [r[0] for r in conn.execute(queries.ENQUEUE_BATCH, (json.dumps(table_jobs), None)).fetchall()]
        to_pgmq = 0
        for job in routed:
            delay = f"{job['delay_seconds']} seconds" if "delay_seconds" in job else None
            where = conn.execute(
                queries.DISPATCH, (job["job_type"], Jsonb(job["payload"]), job.get("priority"), None, delay, None, None)
            ).fetchone()[0]
            if where.get("destination") == "pgmq":
                to_pgmq += 1
            elif where.get("destination") == "jobs" and "job_id" in where:
                ids.append(where["job_id"])
    return ids, to_pgmq


def run_demo(n: int = 300, quiet: bool = False) -> int:
    from pgconveyor.core import logs
    from pgconveyor.sources.pgmq import pgmq_sources, routed_queues

    logs.setup("error")
    with _connect() as conn:
        ids, to_pgmq = _enqueue(conn, demo_jobs(n))
        pgmq_present = conn.execute(queries.PGMQ_AVAILABLE).fetchone()[0]
    total = len(ids) + to_pgmq
    print(
        f"enqueued {total} demo jobs across {len(JOB_TYPES)} job types: {len(ids)} in the jobs table, "
        f"{to_pgmq} in pgmq queues (3 made to die, some to retry)"
    )
    started = time.monotonic()
    last_line = [0.0]
    check = db.connect(database_url())
    handlers = load_handlers(demo=True)
    queues = asyncio.run(routed_queues(database_url(), handlers)) if pgmq_present else []

    async def stop_when(worker: Worker) -> bool:
        remaining = check.execute(REMAINING_JOBS).fetchone()[0]
        if pgmq_present:
            remaining += check.execute(PGMQ_DEPTH).fetchone()[0]
        done = total - remaining
        s = worker.stats
        now = time.monotonic()
        tty = sys.stdout.isatty()
        if not quiet and (tty or remaining == 0 or now - last_line[0] >= 2):
            last_line[0] = now
            line = (
                f"\r{_bar(done, total)} {max(done, 0)}/{total}  completed {s.completed}  "
                f"retried {s.retried}  dead {s.dead}  "
                f"{now - started:4.1f}s"
            )
            sys.stdout.write(line if tty else line.lstrip("\r") + "\n")
            sys.stdout.flush()
        return remaining <= 0

    worker = Worker(
        database_url(),
        handlers,
        concurrency=25,
        batch_size=25,
        poll_interval=0.2,
        grace=5,
        stop_when=stop_when,
        sources=pgmq_sources(queues),
    )
    try:
        asyncio.run(worker.run())
    finally:
        check.close()
    s = worker.stats
    from_pgmq = sum(n for name, n in s.by_source.items() if name.startswith("pgmq:"))
    print()
    print(
        f"done in {time.monotonic() - started:.1f}s: {s.completed} completed, {s.retried} retries, "
        f"{s.dead} dead-lettered; {s.by_source.get('jobs', 0)} outcomes from the jobs table, "
        f"{from_pgmq} from pgmq (one worker runs both)\n"
    )
    with _connect() as conn:
        print(render_status(conn.execute(queries.JOB_STATUS).fetchall()))
        dead = conn.execute(
            queries_ops.DLQ_EACH, {"queue": None, "job_type": None, "fingerprint": None, "limit": 5}
        ).fetchall()
        health = conn.execute(queries_ops.HEALTH).fetchone()[0]
        queues = conn.execute(PGMQ_QUEUES).fetchall() if pgmq_present else []
    if dead:
        print("\nlatest dead letters (conveyor dlq list / show ID / requeue ID):")
        for queue, jid, _job_id, jtype, reason, error, _fp, _died, attempts in dead:
            where = "" if queue == "jobs" else f" ({queue})"
            first = headline(error, 80)
            print(f"  {jid:>8}{where}  {jtype:<14} attempts={attempts}  {reason}: {first}")
    if queues:
        print("\npgmq queues (conveyor worker consumes them; 3 reads without success -> *_dlq):")
        for name, depth in queues:
            print(f"  {name:<22} {depth:>6} waiting")
    print_health(health)
    return 0


def print_health(health: dict[str, Any]) -> None:
    m = health.get("metrics", {})
    print(f"\nhealth: {health.get('status', '?').upper()}  (conveyor health, GET /api/health/queues)")
    print(
        f"  ready {m.get('ready')}  running {m.get('running')}  completed in the last hour {m.get('completed_1h')}  "
        f"dead (recent) {m.get('dead_recent')}  pgmq depth {m.get('pgmq_depth')}  "
        f"mode {health.get('execution_mode', {}).get('mode', '-')}"
    )
    for problem in health.get("problems", []):
        print(f"  ! {problem.get('reason') or problem}")
        if problem.get("recommendation"):
            print(f"    -> {problem['recommendation']}")
