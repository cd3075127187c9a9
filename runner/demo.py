"""``make run``'s demo: enqueue a few hundred jobs of every type, run a worker with a progress bar, show status."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import psycopg

from runner import queries
from runner.cli import _connect, render_status
from runner.config import database_url
from runner.registry import load_handlers
from runner.worker import Worker

JOB_TYPES = ["calendar_sync", "risk_check", "housekeeping", "execution", "order_close", "alert", "metric"]

REMAINING = "select count(*) from conveyor.jobs where id = any(%s)"


def demo_jobs(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n jobs over every type and priority: ~8% fail once or twice, 3 always fail (dead letters)."""
    rng = random.Random(seed)
    jobs = []
    for i in range(n):
        job_type = JOB_TYPES[i % len(JOB_TYPES)]
        payload: dict[str, Any] = {"demo": i}
        job: dict[str, Any] = {
            "job_type": job_type,
            "payload": payload,
            "priority": rng.choice([-5, 0, 0, 5, 10]),
        }
        if i < 3:
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


def run_demo(n: int = 300, quiet: bool = False) -> int:
    from runner import logs

    logs.setup("error")
    with _connect() as conn:
        rows = conn.execute(queries.ENQUEUE_BATCH, (json.dumps(demo_jobs(n)), None)).fetchall()
    ids = [r[0] for r in rows]
    total = len(ids)
    print(f"enqueued {total} demo jobs across {len(JOB_TYPES)} job types (3 made to die, some to retry)")
    started = time.monotonic()
    last_line = [0.0]
    check = psycopg.connect(database_url(), autocommit=True, prepare_threshold=None)

    async def stop_when(worker: Worker) -> bool:
        remaining = check.execute(REMAINING, (ids,)).fetchone()[0]
        done = total - remaining
        s = worker.stats
        now = time.monotonic()
        tty = sys.stdout.isatty()
        if not quiet and (tty or remaining == 0 or now - last_line[0] >= 2):
            last_line[0] = now
            line = (
                f"\r{_bar(done, total)} {done}/{total}  completed {s.completed}  retried {s.retried}  "
                f"dead {s.dead}  {time.monotonic() - started:4.1f}s"
            )
            sys.stdout.write(line if tty else line.lstrip("\r") + "\n")
            sys.stdout.flush()
        return remaining == 0

    worker = Worker(
        database_url(),
        load_handlers(),
        concurrency=25,
        batch_size=25,
        poll_interval=0.2,
        grace=5,
        stop_when=stop_when,
    )
    try:
        asyncio.run(worker.run())
    finally:
        check.close()
    print()
    print(
        f"done in {time.monotonic() - started:.1f}s: {worker.stats.completed} completed, "
        f"{worker.stats.retried} retries, {worker.stats.dead} dead-lettered\n"
    )
    with _connect() as conn:
        print(render_status(conn.execute(queries.JOB_STATUS).fetchall()))
        dead = conn.execute(queries.DLQ_LIST, {"job_type": None, "limit": 5}).fetchall()
    if dead:
        print("\nlatest dead letters (conveyor dlq list / show ID / requeue ID):")
        for jid, jtype, attempts, _died, reason, last_error in dead:
            print(f"  {jid:>8}  {jtype:<14} attempts={attempts}  {reason}: {(last_error or '').splitlines()[0][:80]}")
    return 0
