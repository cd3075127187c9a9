"""Item 15: the soak. A producer and two workers, random handler failures, random worker kills.

At the end every enqueued job is either completed or dead-lettered (nothing lost),
and no job ran after it reached its terminal state. ``make soak`` runs the long form
against a fresh database on the embedded cluster; test_soak.py runs a short one.

    python tests/reliability/soak.py --seconds 300
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]

from reliability_kit import WorkerProcess, prepare, scalar  # noqa: E402


@dataclass
class Figures:
    seconds: float = 0.0
    enqueued: int = 0
    completed: int = 0
    dead_lettered: int = 0
    lost: int = 0
    completed_twice: int = 0
    runs: int = 0
    reruns_after_kill_or_failure: int = 0
    failed_attempts: int = 0  # a handler raised, or its worker was killed and the lease expired
    worker_sigkills: int = 0
    worker_sigterms: int = 0
    ran_after_terminal: int = 0
    drain_seconds: float = 0.0


WORKER_ARGS = ("--concurrency", "8", "--batch-size", "8", "--lease", "2", "--grace", "3", "--poll-interval", "0.2")


def run(url: str, seconds: float, logdir: Path, rate: float = 40.0, seed: int | None = None) -> Figures:
    rnd = random.Random(seed)
    prepare(url, lease="2 seconds", max_attempts=5)
    figures = Figures(seconds=seconds)
    stop = threading.Event()
    enqueued = [0]

    def produce() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while not stop.is_set():
                jobs = []
                for _ in range(10):
                    poison = rnd.random() < 0.02  # fails every attempt: must end in the dead letters
                    jobs.append(
                        {
                            "payload": {
                                "sleep": rnd.random() * 0.05,
                                "fail_p": 1.0 if poison else 0.15,
                                "k": uuid.uuid4().hex,
                            }
                        }
                    )
                n = conn.execute(
                    "select count(*) from conveyor.enqueue_batch(%s::jsonb, 'rel_work')", (json.dumps(jobs),)
                ).fetchone()[0]
                enqueued[0] += n
                time.sleep(10 / rate)

    counter = [0]

    def start_worker() -> WorkerProcess:
        counter[0] += 1
        return WorkerProcess(url, logdir / f"soak-worker-{counter[0]}.log", *WORKER_ARGS)

    pool = [start_worker(), start_worker()]
    producer = threading.Thread(target=produce)
    started = time.monotonic()
    producer.start()
    try:
        while time.monotonic() - started < seconds:
            time.sleep(rnd.uniform(2.0, 6.0))
            i = rnd.randrange(len(pool))
            if rnd.random() < 0.75:
                pool[i].signal(signal.SIGKILL)
                pool[i].wait(30)
                figures.worker_sigkills += 1
            else:
                pool[i].signal(signal.SIGTERM)
                pool[i].wait(60)
                figures.worker_sigterms += 1
            pool[i] = start_worker()
    finally:
        stop.set()
        producer.join()
    drain_started = time.monotonic()
    deadline = drain_started + 180
    while scalar(url, "select count(*) from conveyor.jobs") and time.monotonic() < deadline:
        time.sleep(0.5)
    figures.drain_seconds = round(time.monotonic() - drain_started, 1)
    for w in pool:
        w.signal(signal.SIGTERM)
    for w in pool:
        try:
            w.wait(60)
        except Exception:
            w.kill()

    figures.enqueued = enqueued[0]
    with psycopg.connect(url, autocommit=True) as conn:
        q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        figures.completed = q("select count(distinct id) from conveyor.job_history")
        figures.completed_twice = q("select count(*) - count(distinct id) from conveyor.job_history")
        figures.dead_lettered = q("select count(*) from conveyor.dead_letters")
        figures.lost = figures.enqueued - figures.completed - figures.dead_lettered
        figures.runs = q("select count(*) from public.rel_runs")
        figures.reruns_after_kill_or_failure = figures.runs - q("select count(distinct job_id) from public.rel_runs")
        figures.failed_attempts = q("select coalesce(sum(attempts - 1), 0) from conveyor.job_history") + q(
            "select coalesce(sum(attempts), 0) from conveyor.dead_letters"
        )
        figures.ran_after_terminal = q(
            """
            select count(*) from public.rel_runs r
            where r.started_at > coalesce(
                (select h.finished_at from conveyor.job_history h where h.id = r.job_id),
                (select d.died_at from conveyor.dead_letters d where d.id = r.job_id),
                'infinity')
            """
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rate", type=float, default=40.0, help="jobs enqueued per second")
    args = parser.parse_args()

    from pgconveyor.core.config import database_url, using_embedded
    from pgconveyor.ops.cluster import Cluster
    from pgconveyor.ops.migrate import migrate

    if using_embedded():
        Cluster.default().start()
    admin = database_url()
    name = f"conveyor_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    try:
        migrate(url)
        with tempfile.TemporaryDirectory(prefix="conveyor-soak-") as logdir:
            figures = run(url, args.seconds, Path(logdir), rate=args.rate)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
    print("| figure | value |\n|---|---|")
    for key, value in asdict(figures).items():
        print(f"| {key.replace('_', ' ')} | {value} |")
    ok = figures.lost == 0 and figures.completed_twice == 0 and figures.ran_after_terminal == 0
    print("soak: OK" if ok else "soak: FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
