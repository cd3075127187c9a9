"""`make bench-scale`: does the engine keep its speed as its own work grows? Issue 10's table, in one run.

`make bench BENCH_ARGS=--scale` runs the same.

Each row compares two measurements taken side by side, round after round:

  backlog      drain of --small vs --large queued jobs, one runner process
  enqueue      the first vs the last enqueue_batch chunk while --large jobs are enqueued
  snapshot     drain of --snapshot-jobs, free vs with a REPEATABLE READ snapshot held from before the drain
  job types    a claim of 25 jobs of one type, alone vs behind --foreign jobs of another type at higher priority
  producers    4 concurrent producers, one job per transaction: raw insert + NOTIFY vs conveyor.enqueue
               (no worker waiting; and, for reference, vs a bare insert and with a worker waiting)
  processes    `conveyor worker --processes 2` drain vs the pgbench claim-and-complete limit with 2 clients
  one process  `conveyor worker` drain (batch 100) vs a minimal psycopg loop making the same calls

References in the same run: pgbench claim-and-complete with 1, 2, ... clients (the database's own limit for
this pattern, no Python), the minimal psycopg loop, PGQueuer. Sweeps for docs/scaling.md: worker processes
(1 to 8) and foreign backlog sizes. Every size is a parameter; --quick runs it all tiny (the smoke test).

    python -m bench.scale             # full run: writes the scale section of docs/benchmarks.md,
                                      # docs/benchmarks-scale.png and the figures of docs/scaling.md
    python -m bench.scale --quick     # a few hundred jobs; writes nothing under docs/
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.run import (
    DOC,
    RESULTS,
    ROOT,
    SCALE_BEGIN,
    SCALE_END,
    Theirs,
    admin_url,
    bar_grid,
    drop_database,
    fresh_database,
    machine,
    machine_section,
    run_drain,
    say,
    scale_section,
    with_dbname,
)
from pgconveyor.ops.migrate import migrate

PLOT = ROOT / "docs" / "benchmarks-scale.png"
SCALING = ROOT / "docs" / "scaling.md"
FIGURES_BEGIN = "<!-- scale figures: begin (written by `make bench-scale`; do not edit by hand) -->"
FIGURES_END = "<!-- scale figures: end -->"
CONVEYOR = str(Path(sys.executable).with_name("conveyor"))

# Server-side generation of a backlog: no payload crosses the wire, so the enqueue
# measured is the database's. Bare elements take enqueue_batch's fast path.
ENQUEUE_RANGE = """
select count(*) from conveyor.enqueue_batch(
    (select jsonb_agg(jsonb_build_object('payload', jsonb_build_object('n', i)))
     from generate_series(%s::bigint, %s::bigint) as i),
    %s
)
"""

# The drain's duration by the database's clock: from the first claim to the last
# completion (job_history.started_at is the claim's time, finished_at the completion's).
# The same measure for every runner (ours, the minimal loop, pgbench): interpreter
# start-up and connecting are left out alike.
DRAIN_WINDOW = """
select count(*), extract(epoch from max(finished_at) - min(started_at))::float8
from conveyor.job_history where job_type = 'bench_noop'
"""

# pgbench scripts. Claim and complete as two autocommit statements (two commits per
# batch, as the runner does), with the very functions the runner calls.
CLAIM_COMPLETE = """\
select coalesce(array_agg(id), '{}')::text as ids, coalesce(array_agg(lease_token), '{}')::text as tokens
  from conveyor.claim_batch('pgbench-' || :client_id, :batch::integer, array['bench_noop']) \\gset
select count(*) from conveyor.complete_jobs(:ids::bigint[], :tokens::uuid[]);
"""
ENQUEUE_ONE = "select conveyor.enqueue('bench_noop', '{}'::jsonb);\n"
# The floor for a single enqueue: a plain insert into the same table and the same
# wake-up, in one statement and one transaction, with no function and no checks.
RAW_INSERT_NOTIFY = """\
with j as (
  insert into conveyor.jobs (job_type, payload, max_attempts) values ('bench_noop', '{}'::jsonb, 25) returning id
) select pg_catalog.pg_notify('conveyor_jobs', 'bench_noop') from j;
"""

# The same insert without any wake-up: what the notify lock costs the reference above.
PLAIN_INSERT = "insert into conveyor.jobs (job_type, payload, max_attempts) values ('bench_noop', '{}'::jsonb, 25);\n"

PRODUCERS = 4


@contextmanager
def idle_worker(url: str, waiting: bool) -> Iterator[None]:
    """A worker's LISTEN session during a producer run; registered idle (conveyor.worker_idle) when waiting.

    Producers send NOTIFY only while a worker waits for one (functions/core/0130): without
    the registration conveyor.enqueue sends none, with it every commit sends one.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("listen conveyor_jobs")
        if waiting:
            conn.execute("select conveyor.worker_idle()")
        yield


def size(text: str) -> int:
    """100000, 100k, 1M, 1_000_000."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def sizes(text: str) -> list[int]:
    return [size(x) for x in text.split(",") if x.strip()]


def human(n: int) -> str:
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def pgbench_path() -> str:
    env = os.environ.get("PGBENCH")
    if env:
        return env
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip()) / "pgbench"
        if out.returncode == 0 and candidate.exists():
            return str(candidate)
    found = shutil.which("pgbench")
    if not found:
        raise RuntimeError("pgbench not found: install postgresql (pg_config --bindir) or set PGBENCH")
    return found


def commit() -> str:
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return out.stdout.strip() if out.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return head + (" with uncommitted changes" if dirty else "")


# -- one database per measurement ---------------------------------------------------


class Lab:
    """A migrated template; every measurement gets a fresh clone of it (a clone takes a fraction of a second)."""

    def __init__(self, admin: str, prefix: str):
        self.admin = admin
        self.template = f"{prefix}_scale_tmpl"
        self.work = f"{prefix}_scale_run"
        self.pgq = f"{prefix}_scale_pgqueuer"
        url = fresh_database(admin, self.template)
        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            # Job history on, as the figures were taken.
            conn.execute("select conveyor.register_job_type('bench_noop', p_keep_history => true)")
            conn.execute(
                "select conveyor.register_job_type('bench_foreign', p_default_priority => 10, p_keep_history => true)"
            )

    def fresh(self) -> str:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{self.work}" with (force)')
            conn.execute(f'create database "{self.work}" template "{self.template}"')
        return with_dbname(self.admin, self.work)

    def close(self) -> None:
        for name in (self.work, self.template, self.pgq):
            with suppress(psycopg.Error):
                drop_database(self.admin, name)


def enqueue(url: str, n: int, chunk: int, job_type: str = "bench_noop", start: int = 0) -> list[tuple[int, float]]:
    """n jobs in enqueue_batch calls of `chunk`; then vacuum (analyze) and a checkpoint. (jobs, seconds) per call.

    The checkpoint makes the backlog one that has been waiting: without it the drain
    that follows also writes back the enqueue's dirty pages (a 1M enqueue leaves more
    than shared_buffers holds) under a checkpoint of its own, which a 100k backlog
    never pays. Measured on a quiet machine: 1M / 100k drain 0.87x without, 0.96x with.
    """
    out = []
    with psycopg.connect(url, autocommit=True) as conn:
        for lo in range(start, start + n, chunk):
            hi = min(start + n, lo + chunk)
            began = time.perf_counter()
            got = conn.execute(ENQUEUE_RANGE, (lo, hi - 1, job_type)).fetchone()[0]
            out.append((got, time.perf_counter() - began))
            if got != hi - lo:
                raise RuntimeError(f"enqueue_batch added {got} of {hi - lo} jobs")
        conn.execute("vacuum (analyze) conveyor.jobs")
        with suppress(psycopg.errors.InsufficientPrivilege):  # superuser or pg_checkpoint (15+)
            conn.execute("checkpoint")
    return out


def drained(url: str, n: int, what: str) -> float:
    """Jobs/s of the drain just finished, by the database's clock; checks that every job completed once."""
    with psycopg.connect(url, autocommit=True) as conn:
        left = conn.execute("select count(*) from conveyor.jobs where job_type = 'bench_noop'").fetchone()[0]
        done, seconds = conn.execute(DRAIN_WINDOW).fetchone()
    if left or done != n:
        raise RuntimeError(f"{what}: {done} of {n} jobs completed, {left} left in the queue")
    return n / max(seconds or 0.0, 1e-6)


def drain_worker(url: str, n: int, processes: int, args: argparse.Namespace) -> float:
    """`conveyor worker --once --processes N`, as a user runs it."""
    cmd = [CONVEYOR, "worker", "--once", "--processes", str(processes), "--handlers", "bench.handlers"]
    cmd += ["--job-types", "bench_noop", "--batch-size", str(args.batch), "--concurrency", str(args.concurrency)]
    cmd += ["--log-level", "warning"]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout(n), check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"conveyor worker --processes {processes} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return drained(url, n, f"--processes {processes}")


def drain_minimal(url: str, n: int, args: argparse.Namespace) -> float:
    run_drain(["bench.minimal_loop", url, str(args.batch)], timeout(n))
    return drained(url, n, "the minimal psycopg loop")


def pgbench(url: str, script: str, clients: int, transactions: int, defines: dict[str, Any] | None = None) -> float:
    """Run a pgbench script (prepared statements); returns its tps without connection time."""
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        path = Path(tmp) / "script.sql"
        path.write_text(script)
        cmd = [pgbench_path(), "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1))]
        cmd += ["-t", str(transactions), "-f", str(path)]
        for k, v in (defines or {}).items():
            cmd += ["-D", f"{k}={v}"]
        proc = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=3600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"pgbench failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = re.search(r"tps = ([0-9.]+) \(without initial connection", proc.stdout)
    if not found:
        raise RuntimeError(f"no tps in pgbench's output: {proc.stdout[-1000:]}")
    return float(found.group(1))


def drain_pgbench(url: str, n: int, clients: int, batch: int) -> float:
    """pgbench clients claiming and completing until the queue is empty."""
    # Twice the transactions a perfect split needs: a client whose claim finds every
    # remaining row locked by the others gets nothing and moves on (cheaply).
    per_client = 2 * math.ceil(n / batch / clients) + 2
    for _ in range(10):
        pgbench(url, CLAIM_COMPLETE, clients, per_client, {"batch": batch})
        with psycopg.connect(url, autocommit=True) as conn:
            if not conn.execute("select count(*) from conveyor.jobs where job_type = 'bench_noop'").fetchone()[0]:
                break
    return drained(url, n, f"pgbench, {clients} clients")


def claim_costs(url: str, claims: int, batch: int = 25) -> list[float]:
    """Milliseconds per claim of `batch` bench_noop jobs (each then completed, untimed); the first 3 warm up."""
    costs = []
    with psycopg.connect(url, autocommit=True) as conn:
        for i in range(claims + 3):
            began = time.perf_counter()
            rows = conn.execute(
                "select id, lease_token from conveyor.claim_batch('bench-claim', %s, %s)", (batch, ["bench_noop"])
            ).fetchall()
            ms = (time.perf_counter() - began) * 1000
            if len(rows) != batch:
                raise RuntimeError(f"claim {i} got {len(rows)} of {batch} jobs")
            conn.execute("select conveyor.complete_jobs(%s, %s)", ([r[0] for r in rows], [r[1] for r in rows]))
            if i >= 3:
                costs.append(ms)
    return costs


def held_snapshot(url: str) -> psycopg.Connection[Any]:
    """A REPEATABLE READ transaction left open, as a long report, pg_dump or a lagging replica holds one."""
    conn = psycopg.connect(url)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    # The first statement takes the snapshot; the transaction then stays open. It reads
    # no conveyor table, so it holds back vacuum's horizon without holding any lock a
    # design that truncates or drops partitions would wait on (pg_dump would hold those too).
    conn.execute("select 1")
    with psycopg.connect(url, autocommit=True) as probe:
        xmin = probe.execute(
            "select backend_xmin from pg_stat_activity where pid = %s", (conn.info.backend_pid,)
        ).fetchone()
    if not xmin or xmin[0] is None:
        conn.close()
        raise RuntimeError("the held snapshot does not hold back the xmin horizon")
    return conn


def timeout(n: int) -> float:
    return 300 + n / 500  # generous: a drain at 500 jobs/s would be a broken run, not a slow one


# -- the run ------------------------------------------------------------------------


def run(args: argparse.Namespace, lab: Lab) -> dict[str, list[float]]:
    theirs = Theirs(fresh_database(lab.admin, lab.pgq)) if args.pgqueuer else None
    try:
        return measure(args, lab, theirs)
    finally:
        if theirs is not None:
            theirs.close()


def measure(args: argparse.Namespace, lab: Lab, theirs: Theirs | None) -> dict[str, list[float]]:
    """Samples per measurement: jobs/s (or ms per claim for claim_ms_*)."""
    s: dict[str, list[float]] = {}

    def note(key: str, value: float, unit: str = "jobs/s") -> None:
        s.setdefault(key, []).append(value)
        shown = f"{value:,.2f} ms" if unit == "ms" else f"{value:,.0f} {unit}"
        say(f"    {key}: {shown}")

    small = args.small
    for rnd in range(args.repeat):
        say(f"  round {rnd + 1} of {args.repeat}")
        if rnd == 0:
            # Claim cost behind a growing backlog of another type; one pass, many claims each.
            url = lab.fresh()
            target = (args.claims + 3) * 25
            have = 0
            for foreign in args.foreign:
                if foreign > have:
                    enqueue(url, foreign - have, args.chunk, "bench_foreign", start=have)
                    have = foreign
                enqueue(url, target, args.chunk)
                for ms in claim_costs(url, args.claims):
                    s.setdefault(f"claim_ms_{foreign}", []).append(ms)
                say(
                    f"    claim of 25 behind {foreign:,} foreign jobs: median "
                    f"{statistics.median(s[f'claim_ms_{foreign}']):.2f} ms"
                )

        for p in args.processes:
            url = lab.fresh()
            enqueue(url, small, args.chunk)
            note(f"drain_p{p}", drain_worker(url, small, p, args))

        url = lab.fresh()
        enqueue(url, small, args.chunk)
        note("minimal_loop", drain_minimal(url, small, args))

        for c in args.pgbench_clients:
            url = lab.fresh()
            enqueue(url, small, args.chunk)
            note(f"pgbench_c{c}", drain_pgbench(url, small, c, args.batch))
        if args.big_batch:  # what bigger claims buy at the database's limit
            url = lab.fresh()
            enqueue(url, small, args.chunk)
            note("pgbench_c2_big", drain_pgbench(url, small, 2, args.big_batch))

        if rnd < args.large_repeat:
            url = lab.fresh()
            chunks = enqueue(url, args.large, args.chunk)
            note("enqueue_first", chunks[0][0] / chunks[0][1])
            note("enqueue_last", chunks[-1][0] / chunks[-1][1])
            note("drain_large", drain_worker(url, args.large, 1, args))

        url = lab.fresh()
        enqueue(url, args.snapshot_jobs, args.chunk)
        note("snapshot_free", drain_worker(url, args.snapshot_jobs, 1, args))
        url = lab.fresh()
        enqueue(url, args.snapshot_jobs, args.chunk)
        snap = held_snapshot(url)
        try:
            note("snapshot_held", drain_worker(url, args.snapshot_jobs, 1, args))
        finally:
            snap.close()

        per_client = max(1, args.producer_jobs // PRODUCERS)
        for key, script in (
            ("producers_raw", RAW_INSERT_NOTIFY),
            ("producers_enqueue", ENQUEUE_ONE),
            ("producers_plain", PLAIN_INSERT),
            ("producers_idle", ENQUEUE_ONE),
        ):
            url = lab.fresh()
            with idle_worker(url, waiting=key == "producers_idle"):
                note(key, pgbench(url, script, PRODUCERS, per_client))

        if theirs is not None:
            theirs.vacuum()
            theirs.enqueue_batch([{"n": i} for i in range(args.pgqueuer_jobs)])
            theirs.vacuum()
            note("pgqueuer", args.pgqueuer_jobs / theirs.drain(100, args.pgqueuer_jobs, timeout(args.pgqueuer_jobs)))
    return s


# -- the report ---------------------------------------------------------------------


def best(samples: list[float], lower: bool = False) -> float:
    return min(samples) if lower else max(samples)


def rows_of(args: argparse.Namespace, s: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Issue 10's table: (what grows, reference column, measured column, ratio measured / reference, goal)."""
    f = args.foreign[-1]
    spec = [
        ("backlog", f"backlog drained ({human(args.small)} vs {human(args.large)} jobs), one process",
         ("drain_p1", f"{human(args.small)} jobs"), ("drain_large", f"{human(args.large)} jobs"), ">=", 0.9),
        ("enqueue", f"enqueue of {human(args.large)} in calls of {human(args.chunk)}: first vs last call",
         ("enqueue_first", "first call"), ("enqueue_last", "last call"), None, None),
        ("snapshot", f"a REPEATABLE READ snapshot held from before the drain ({human(args.snapshot_jobs)} jobs)",
         ("snapshot_free", "free"), ("snapshot_held", "held"), ">=", 0.7),
        ("job_types", "claim of 25 jobs of one type (ms) while other types wait at higher priority",
         (f"claim_ms_{args.foreign[0]}", f"{human(args.foreign[0])} foreign"),
         (f"claim_ms_{f}", f"{human(f)} foreign"), "<=", 2.0),
        ("producers", f"{PRODUCERS} concurrent producers, one job per transaction, no worker waiting (jobs/s)",
         ("producers_raw", "raw insert + NOTIFY"), ("producers_enqueue", "conveyor.enqueue"), ">=", 0.8),
        ("producers_plain", f"the same {PRODUCERS} producers against an insert with no wake-up at all (jobs/s)",
         ("producers_plain", "plain insert"), ("producers_enqueue", "conveyor.enqueue"), None, None),
        ("producers_idle", f"{PRODUCERS} producers while a worker waits: every commit sends NOTIFY (jobs/s)",
         ("producers_raw", "raw insert + NOTIFY"), ("producers_idle", "conveyor.enqueue"), None, None),
        ("processes", f"drain with every core ({human(args.small)} jobs)",
         ("pgbench_c2", "pgbench limit, 2 clients"), ("drain_p2", "worker --processes 2"), ">=", 0.5),
        ("one_process", f"one process at batch {args.batch} ({human(args.small)} jobs)",
         ("minimal_loop", "minimal psycopg loop"), ("drain_p1", "conveyor worker"), ">=", 1.0),
    ]  # fmt: skip
    out = []
    for key, label, (ref_key, ref_label), (got_key, got_label), op, goal in spec:
        if ref_key not in s or got_key not in s:
            continue
        lower = ref_key.startswith("claim_ms")
        ref, got = s[ref_key], s[got_key]
        row = {
            "key": key,
            "label": label,
            "unit": "ms" if lower else "jobs/s",
            "ref_label": ref_label,
            "got_label": got_label,
            "ref_best": best(ref, lower),
            "got_best": best(got, lower),
            "ref_median": statistics.median(ref),
            "got_median": statistics.median(got),
            "samples": [len(ref), len(got)],
            "op": op,
            "goal": goal,
        }
        row["ratio"] = row["got_best"] / row["ref_best"]
        row["median_ratio"] = row["got_median"] / row["ref_median"]
        row["met"] = None if goal is None else (row["ratio"] >= goal if op == ">=" else row["ratio"] <= goal)
        out.append(row)
    return out


def num(value: float, unit: str) -> str:
    return f"{value:,.2f} ms" if unit == "ms" else f"{value:,.0f}"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| what grows | reference | measured | ratio, best | ratio, median | goal | met |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        goal = "-" if r["goal"] is None else f"{'≥' if r['op'] == '>=' else '≤'} {r['goal']:g}x"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(
            f"| {r['label']} | {r['ref_label']}: {num(r['ref_best'], r['unit'])} "
            f"(median {num(r['ref_median'], r['unit'])}) | {r['got_label']}: {num(r['got_best'], r['unit'])} "
            f"(median {num(r['got_median'], r['unit'])}) | {r['ratio']:.2f}x | {r['median_ratio']:.2f}x "
            f"| {goal} | {met} |"
        )
    return "\n".join(lines)


def sweep_tables(args: argparse.Namespace, s: dict[str, list[float]]) -> str:
    """Worker processes, pgbench clients, foreign backlog: how each cost grows (for docs/scaling.md)."""
    out = []
    p1 = s.get("drain_p1")
    lines = [
        f"| `conveyor worker --processes N` (batch {args.batch}) | jobs/s, best | median | x one process |",
        "|---|--:|--:|--:|",
    ]
    for p in args.processes:
        v = s.get(f"drain_p{p}")
        if v:
            x = f"{max(v) / max(p1):.2f}x" if p1 else "-"
            lines.append(f"| {p} | {max(v):,.0f} | {statistics.median(v):,.0f} | {x} |")
    out.append("\n".join(lines))
    lines = [
        f"| pgbench clients, claim {args.batch} + complete, no Python | jobs/s, best | median | jobs per day, best |",
        "|---|--:|--:|--:|",
    ]
    for c in args.pgbench_clients:
        v = s.get(f"pgbench_c{c}")
        if v:
            lines.append(f"| {c} | {max(v):,.0f} | {statistics.median(v):,.0f} | {max(v) * 86400 / 1e9:.2f} billion |")
    v = s.get("pgbench_c2_big")
    if v:
        lines.append(
            f"| 2, claims of {args.big_batch} | {max(v):,.0f} | {statistics.median(v):,.0f} "
            f"| {max(v) * 86400 / 1e9:.2f} billion |"
        )
    out.append("\n".join(lines))
    lines = ["| foreign jobs waiting at higher priority | ms per claim of 25, best | median |", "|---|--:|--:|"]
    for foreign in args.foreign:
        v = s.get(f"claim_ms_{foreign}")
        if v:
            lines.append(f"| {foreign:,} | {min(v):.2f} | {statistics.median(v):.2f} |")
    out.append("\n".join(lines))
    lines = ["| reference | jobs/s, best | median |", "|---|--:|--:|"]
    for key, label in (
        ("minimal_loop", f"minimal psycopg loop, batch {args.batch}"),
        ("pgqueuer", f"PGQueuer drain, batch 100 ({human(args.pgqueuer_jobs)} jobs)"),
        ("drain_large", f"one process, {human(args.large)} backlog"),
        ("snapshot_held", "one process, snapshot held"),
    ):
        v = s.get(key)
        if v:
            lines.append(f"| {label} | {max(v):,.0f} | {statistics.median(v):,.0f} |")
    out.append("\n".join(lines))
    return "\n\n".join(out)


PANEL_TITLES = {
    "backlog": "backlog drained, one process (jobs/s)",
    "enqueue": "enqueue_batch calls, first vs last (jobs/s)",
    "snapshot": "drain with a held snapshot (jobs/s)",
    "job_types": "claim of 25 behind other types (ms)",
    "producers": "4 producers, single enqueues (jobs/s)",
    "producers_plain": "4 producers vs a bare insert (jobs/s)",
    "producers_idle": "4 producers, a worker waiting (jobs/s)",
    "processes": "drain with every core (jobs/s)",
    "one_process": "one process at batch 100 (jobs/s)",
}


def plot(args: argparse.Namespace, rows: list[dict[str, Any]], s: dict[str, list[float]]) -> bool:
    panels = []
    for r in rows:
        worse = "lower is better" if r["unit"] == "ms" else "higher is better"
        panels.append(
            {
                "title": PANEL_TITLES[r["key"]],
                "labels": [r["ref_label"], r["got_label"]],
                "values": [r["ref_best"], r["got_best"]],
                "texts": [num(r["ref_best"], r["unit"]), num(r["got_best"], r["unit"])],
                "xlabel": f"{r['ratio']:.2f}x (median {r['median_ratio']:.2f}x), {r['unit']}, {worse}",
            }
        )
    procs = [p for p in args.processes if f"drain_p{p}" in s]
    panels.append(
        {
            "title": "worker processes (jobs/s)",
            "labels": [str(p) for p in procs],
            "values": [max(s[f"drain_p{p}"]) for p in procs],
            "texts": [f"{max(s[f'drain_p{p}']):,.0f}" for p in procs],
            "xlabel": "--processes N",
        }
    )
    clients = [c for c in args.pgbench_clients if f"pgbench_c{c}" in s]
    panels.append(
        {
            "title": "pgbench claim + complete limit (jobs/s)",
            "labels": [str(c) for c in clients],
            "values": [max(s[f"pgbench_c{c}"]) for c in clients],
            "texts": [f"{max(s[f'pgbench_c{c}']):,.0f}" for c in clients],
            "xlabel": "pgbench clients",
        }
    )
    title = f"pgconveyor at scale: best of each pair, same run ({datetime.now(UTC):%Y-%m-%d})"
    return bar_grid(panels, title, PLOT)


def section(result: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    a = result["args"]
    m = result["machine"]
    pg = m["postgres"]
    missed = [r["key"] for r in rows if r["met"] is False]
    verdict = (
        "Every goal is met in this run." if not missed else "Goals **not** met in this run: " + ", ".join(missed) + "."
    )
    return f"""{SCALE_BEGIN}
## Scale mode: the same speed as the work grows

Generated by `{result["command"]}` on commit {result["commit"]}, {result["started_at"]} to
{result["finished_at"]} ({result["minutes"]:.0f} min); load average {m["load_average_at_start"]} at
the start and {result["load_average_at_end"]} at the end (the machine is shared). Every sample:
`bench/results/scale.json` (git-ignored).

{table(rows)}

{verdict} Each cell is the best of its samples (the median beside it), and the ratios compare
best with best and median with median: measured / reference, so for the claim cost a ratio
above 1 is a slowdown. The goals are issue 10's.

![one bar chart per row, then the process and pgbench sweeps](benchmarks-scale.png)

{sweep_tables(argparse.Namespace(**a), result["samples"])}

### What is measured

- Every measurement gets a fresh database cloned from one migrated template, on the same
  cluster, with durable settings (`synchronous_commit = {pg.get("synchronous_commit")}`,
  `fsync = {pg.get("fsync")}`), job history on. Backlogs are generated in the server by
  `conveyor.enqueue_batch` in calls of {a["chunk"]:,} jobs, then `vacuum (analyze) conveyor.jobs`
  and a `checkpoint`: every drain starts from a backlog that has been waiting, not one whose
  pages are still being written back (that costs a 1M drain about a tenth; docs/scaling.md).
- **Drains** are timed by the database's clock: from the first claim to the last completion
  (`job_history.started_at` and `finished_at`), the same for every runner, so interpreter
  start-up and connecting are left out alike; each checks that every job completed once. Ours
  is `conveyor worker --once --processes N --batch-size {a["batch"]} --concurrency {a["concurrency"]}`
  with the no-op handler of `bench/handlers.py`, one process unless the row says otherwise.
- **pgbench claim-and-complete limit**: pgbench clients (prepared statements, `pg_config --bindir`)
  run `conveyor.claim_batch` of {a["batch"]} then `conveyor.complete_jobs` of what was claimed, as
  two transactions, until the queue is empty: the same calls as the runner with no Python at all,
  so the database's ceiling for this pattern on this machine.
- **Minimal psycopg loop** (`bench/minimal_loop.py`): one sync connection making the same two
  calls in a loop: what a runner costs beyond it is its own.
- **Held snapshot**: a `REPEATABLE READ` transaction that has run one `select 1` is left open
  from just before the drain to its end (checked: its `backend_xmin` is set), so vacuum can
  remove none of the row versions that claims and completions leave behind. It reads no
  `conveyor` table, so it holds no lock on one (an analytics query on other tables, or a
  replication slot, does the same; `pg_dump` would also hold `ACCESS SHARE` locks).
- **Job types**: {a["claims"]} claims of 25 `bench_noop` jobs (priority 0), timed in the client
  (round trip included; each batch then completed, untimed), with 0 and then
  {", ".join(f"{x:,}" for x in a["foreign"][1:])} `bench_foreign` jobs (priority 10) waiting.
- **Producers**: {PRODUCERS} pgbench clients, {a["producer_jobs"] // PRODUCERS:,} transactions each, one job per
  transaction: `select conveyor.enqueue('bench_noop', '{{}}')` against a plain
  `insert into conveyor.jobs ... ; pg_notify('conveyor_jobs', ...)` in one statement, with a
  session LISTENing on `conveyor_jobs` throughout. `conveyor.enqueue` sends NOTIFY only while a
  worker is registered idle (`conveyor.worker_idle`, docs/architecture.md "Wake-ups"): the first
  row has none waiting (workers busy or absent), the third has one, so every commit notifies. The
  second compares with the same insert and no wake-up at all.
- **PGQueuer**: `QueueManager.run(batch_size=100, mode=drain)` in a database of its own, timed
  inside its process (from start to exit), as `make bench` does.

### The machine

{machine_section(m)}
{SCALE_END}"""


def write_docs(result: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    body = section(result, rows)
    old = scale_section(text)
    DOC.write_text(text.replace(old, body) if old else text.rstrip("\n") + "\n\n" + body + "\n")
    if SCALING.exists():
        text = SCALING.read_text()
        start, end = text.find(FIGURES_BEGIN), text.find(FIGURES_END)
        if 0 <= start < end:
            figures = (
                f"{FIGURES_BEGIN}\n_Measured by `{result['command']}` on commit {result['commit']}, "
                f"{result['started_at']}, load average {result['machine']['load_average_at_start']} at the start "
                f"and {result['load_average_at_end']} at the end; the whole run is in "
                f"[benchmarks.md](benchmarks.md#scale-mode-the-same-speed-as-the-work-grows)._\n\n"
                f"{table(rows)}\n\n{sweep_tables(argparse.Namespace(**result['args']), result['samples'])}\n"
            )
            SCALING.write_text(text[:start] + figures + text[end:])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="everything tiny (seconds); writes nothing under docs/")
    p.add_argument("--small", type=size, help="the small backlog, and every drain of the references (default 100k)")
    p.add_argument("--large", type=size, help="the large backlog (default 1M)")
    p.add_argument("--snapshot-jobs", type=size, help="jobs drained free and under a held snapshot (default 200k)")
    p.add_argument(
        "--foreign", type=sizes, help="foreign backlog sizes for the claim cost, cumulative (default 0,200k,1M)"
    )
    p.add_argument("--claims", type=int, help="timed claims of 25 per foreign backlog size (default 200)")
    p.add_argument("--producer-jobs", type=size, help=f"single enqueues per producer run, over {PRODUCERS} clients")
    p.add_argument("--processes", type=sizes, help="worker process counts to drain with (default 1,2,4,8)")
    p.add_argument("--pgbench-clients", type=sizes, help="pgbench claim-and-complete clients (default 1,2,4)")
    p.add_argument("--pgqueuer-jobs", type=size, help="jobs PGQueuer drains (default: --small)")
    p.add_argument("--no-pgqueuer", dest="pgqueuer", action="store_false", help="skip PGQueuer")
    p.add_argument("--batch", type=int, default=100, help="claim batch of every drain (default 100)")
    p.add_argument(
        "--big-batch", type=int, default=1000, help="one more 2-client pgbench drain with this claim (0: skip)"
    )
    p.add_argument("--concurrency", type=int, default=200, help="our runner's concurrency (default 200)")
    p.add_argument("--chunk", type=size, help="jobs per enqueue_batch call when building a backlog (default 50k)")
    p.add_argument("--repeat", type=int, help="rounds; each row's samples come from every round (default 3)")
    p.add_argument("--large-repeat", type=int, help="rounds that also drain the large backlog (default: every round)")
    p.add_argument("--no-docs", action="store_true", help="do not write docs/")
    p.add_argument("--db-prefix", default="bench", help="prefix of the databases it creates (default bench)")
    p.add_argument("--out", type=Path, help="results JSON (default bench/results/scale.json)")
    args = p.parse_args(argv)

    q = args.quick
    args.small = args.small or (300 if q else 100_000)
    args.large = args.large or (900 if q else 1_000_000)
    args.snapshot_jobs = args.snapshot_jobs or (300 if q else 200_000)
    args.foreign = args.foreign or ([0, 600] if q else [0, 200_000, 1_000_000])
    args.claims = args.claims or (5 if q else 200)
    args.producer_jobs = args.producer_jobs or (40 if q else 20_000)
    args.processes = args.processes or ([1, 2] if q else [1, 2, 4, 8])
    args.pgbench_clients = args.pgbench_clients or ([1, 2] if q else [1, 2, 4])
    args.pgqueuer_jobs = args.pgqueuer_jobs or args.small
    args.chunk = args.chunk or (200 if q else 50_000)
    args.repeat = args.repeat or (1 if q else 3)
    # As many large drains as small ones: a best of 3 against a best of 2 favours the reference.
    args.large_repeat = min(args.repeat, args.large_repeat or args.repeat)
    if q:
        args.pgqueuer = False
        args.no_docs = True
    for need in (1, 2):
        if need not in args.processes:
            args.processes.insert(need - 1, need)
        if need not in args.pgbench_clients:
            args.pgbench_clients.insert(need - 1, need)
    if args.foreign[0] != 0:
        args.foreign.insert(0, 0)
    args.out = args.out or RESULTS / ("scale-quick.json" if q else "scale.json")
    command = "python -m bench.scale " + " ".join(sys.argv[1:] if argv is None else argv)

    admin = admin_url()
    info = machine(admin)
    pg = info["postgres"]
    say(
        f"bench scale: {info['cores']} cores, PostgreSQL {pg.get('server_version')}, "
        f"synchronous_commit={pg.get('synchronous_commit')}, fsync={pg.get('fsync')}, "
        f"load average {info['load_average_at_start']}, pgbench {pgbench_path()}"
    )
    if not (pg.get("synchronous_commit") == "on" and pg.get("fsync") == "on") and not q:
        say("bench scale: refusing a full run without synchronous_commit = on and fsync = on")
        return 2
    started = time.monotonic()
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command.strip(),
        "commit": commit(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": info,
    }
    lab = Lab(admin, args.db_prefix)
    try:
        result["samples"] = run(args, lab)
    finally:
        lab.close()
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["minutes"] = (time.monotonic() - started) / 60
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = rows_of(args, result["samples"])
    result["rows"] = rows
    say("")
    say(table(rows))
    say("")
    say(sweep_tables(args, result["samples"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    say(f"bench scale: results in {args.out} ({result['minutes']:.1f} min)")
    if not args.no_docs:
        if plot(args, rows, result["samples"]):
            say(f"bench scale: plot in {PLOT.relative_to(ROOT)}")
        write_docs(result, rows)
        say(f"bench scale: report in {DOC.relative_to(ROOT)} and {SCALING.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    with suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
