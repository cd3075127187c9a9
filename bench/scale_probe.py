"""Quick probes of how the hot path holds up as the work grows (issue 10, items 1-4).

Each probe measures a reference and the grown case in the same run, so the printed
ratio is meaningful on a shared, noisy machine; each prints the best and the median.
Drains run ONE runner process (bench.ours_worker: batch 100, concurrency 200 unless
told otherwise), as the issue's table does.

    python -m bench.scale_probe snapshot --jobs 200000     # drain free vs with a held REPEATABLE READ snapshot
    python -m bench.scale_probe foreign --foreign 1000000  # claim of one type: empty queue vs 1M other-type jobs ahead
    python -m bench.scale_probe backlog --jobs 100000 --big 1000000   # drain 100k vs 1M backlog
    python -m bench.scale_probe enqueue --seconds 5        # 4 producers: conveyor.enqueue vs raw insert + NOTIFY
    python -m bench.scale_probe history --rows 10000000    # claim + complete with 10M history rows vs none

Each probe works in a database of its own (`probe_<name>`), created and dropped here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from contextlib import suppress
from typing import Any

import orjson
import psycopg

from bench.run import admin_url, drop_database, fresh_database, run_drain, say
from pgconveyor.ops.migrate import migrate


def summary(label: str, values: list[float], unit: str) -> dict[str, Any]:
    out = {"label": label, "best": max(values), "median": statistics.median(values), "samples": values}
    say(f"  {label}: best {out['best']:,.1f} {unit}, median {out['median']:,.1f} {unit} ({len(values)} runs)")
    return out


def ratio(name: str, grown: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    best = grown["best"] / ref["best"]
    med = grown["median"] / ref["median"]
    say(f"RATIO {name}: best {best:.2f}x, median {med:.2f}x")
    return {"name": name, "best": best, "median": med}


def enqueue(conn: psycopg.Connection, job_type: str, n: int, chunk: int = 10_000, priority: int | None = None) -> float:
    """n bare jobs of job_type through enqueue_batch, in chunks; returns seconds."""
    started = time.perf_counter()
    done = 0
    while done < n:
        k = min(chunk, n - done)
        if priority is None:
            data = orjson.dumps([{"payload": {"n": done + i}} for i in range(k)]).decode()
        else:
            data = orjson.dumps([{"payload": {"n": done + i}, "priority": priority} for i in range(k)]).decode()
        conn.execute("select count(*) from conveyor.enqueue_batch(%s::jsonb, %s)", (data, job_type))
        done += k
    return time.perf_counter() - started


def drain(url: str, n: int, batch: int, concurrency: int) -> float:
    result = run_drain(["bench.ours_worker", "drain", url, str(batch), str(concurrency)], timeout=max(300.0, n / 200))
    if result["completed"] != n:
        raise RuntimeError(f"drain completed {result['completed']} of {n}")
    return n / result["seconds"]


def setup(name: str) -> tuple[str, str]:
    admin = admin_url()
    url = fresh_database(admin, f"probe_{name}")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select conveyor.register_job_type('bench_noop', p_keep_history => true)")
        conn.execute("select conveyor.register_job_type('bench_ping', p_keep_history => false)")
        conn.execute("select conveyor.register_job_type('bench_other', p_keep_history => false)")
    return admin, url


# -- item 1: a held snapshot ----------------------------------------------------------


def probe_snapshot(args: argparse.Namespace) -> dict[str, Any]:
    admin, url = setup("snapshot")
    free: list[float] = []
    held: list[float] = []
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for rnd in range(args.repeat):
                conn.execute("vacuum (analyze) conveyor.jobs")
                enqueue(conn, "bench_noop", args.jobs)
                conn.execute("vacuum (analyze) conveyor.jobs")
                free.append(drain(url, args.jobs, args.batch, args.concurrency))
                say(f"  round {rnd + 1}: free {free[-1]:,.0f} jobs/s")
                with psycopg.connect(url) as snap:
                    snap.execute("set transaction isolation level repeatable read")
                    snap.execute("select count(*) from conveyor.job_types")  # the snapshot is taken here
                    enqueue(conn, "bench_noop", args.jobs)
                    conn.execute("analyze conveyor.jobs")
                    held.append(drain(url, args.jobs, args.batch, args.concurrency))
                    left = conn.execute(
                        "select n_dead_tup from pg_stat_user_tables where relid = 'conveyor.jobs'::regclass"
                    ).fetchone()
                    snap.rollback()
                say(f"  round {rnd + 1}: held {held[-1]:,.0f} jobs/s (dead tuples seen by stats: {left[0]:,})")
    finally:
        drop_database(admin, "probe_snapshot")
    f = summary("free drain", free, "jobs/s")
    h = summary("held-snapshot drain", held, "jobs/s")
    return {"free": f, "held": h, "ratio": ratio("held snapshot / free", h, f)}


# -- item 2: a foreign backlog ---------------------------------------------------------


def time_claims(
    conn: psycopg.Connection, job_type: str, rounds: int, batch: int, with_complete: bool = False
) -> list[float]:
    """ms per claim_batch of job_type that finds `batch` jobs (with its complete_jobs if with_complete)."""
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        rows = conn.execute(
            "select id, lease_token from conveyor.claim_batch('probe', %s, %s)", (batch, [job_type])
        ).fetchall()
        claimed = time.perf_counter()
        if rows:
            ids, tokens = zip(*rows, strict=True)
            conn.execute(
                "select count(*) from conveyor.complete_jobs(%s::bigint[], %s::uuid[])", (list(ids), list(tokens))
            )
        out.append(((time.perf_counter() if with_complete else claimed) - started) * 1000)
    return out


def probe_foreign(args: argparse.Namespace) -> dict[str, Any]:
    """Two databases side by side, claims interleaved round by round, so both meet the same noise:
    `plain` holds only the claimed type's jobs, `foreign` the same plus a backlog of another type
    at a higher priority."""
    admin, plain_url = setup("foreign_plain")
    _, foreign_url = setup("foreign")
    empty: list[float] = []
    foreign: list[float] = []
    try:
        with psycopg.connect(plain_url, autocommit=True) as pc, psycopg.connect(foreign_url, autocommit=True) as fc:
            say(f"  enqueueing {args.foreign:,} bench_other jobs at priority 10")
            enqueue(fc, "bench_other", args.foreign, priority=10)
            for c in (pc, fc):
                enqueue(c, "bench_ping", (args.rounds + 20) * args.batch)
                c.execute("vacuum (analyze) conveyor.jobs")
            pc.execute("checkpoint")  # the backlog's WAL must not slow the timed claims
            for c in (pc, fc):
                time_claims(c, "bench_ping", 10, args.batch)  # warm-up: plans, caches
            per = 10
            for _ in range(args.rounds // per):
                empty += time_claims(pc, "bench_ping", per, args.batch)
                foreign += time_claims(fc, "bench_ping", per, args.batch)
    finally:
        drop_database(admin, "probe_foreign")
        drop_database(admin, "probe_foreign_plain")
    # Lower is better: report ms, and the ratio grown / reference (<= 2 is the goal).
    e = {"best": min(empty), "median": statistics.median(empty)}
    f = {"best": min(foreign), "median": statistics.median(foreign)}
    say(f"  claim of {args.batch}, no other work: best {e['best']:.3f} ms, median {e['median']:.3f} ms")
    say(f"  claim of {args.batch}, {args.foreign:,} others ahead: best {f['best']:.3f} ms, median {f['median']:.3f} ms")
    r = {"best": f["best"] / e["best"], "median": f["median"] / e["median"]}
    say(f"RATIO foreign-backlog claim / plain claim (<= 2 wanted): best {r['best']:.2f}x, median {r['median']:.2f}x")
    return {"empty_ms": e, "foreign_ms": f, "ratio": r}


# -- item 3: a big backlog ---------------------------------------------------------------


def probe_backlog(args: argparse.Namespace) -> dict[str, Any]:
    admin, url = setup("backlog")
    small: list[float] = []
    big: list[float] = []
    enq: list[float] = []
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for rnd in range(args.repeat):
                conn.execute("vacuum (analyze) conveyor.jobs")
                enqueue(conn, "bench_noop", args.jobs)
                conn.execute("vacuum (analyze) conveyor.jobs")
                small.append(drain(url, args.jobs, args.batch, args.concurrency))
                say(f"  round {rnd + 1}: {args.jobs:,} backlog: {small[-1]:,.0f} jobs/s")
                conn.execute("vacuum (analyze) conveyor.jobs")
                chunk_rates: list[float] = []
                done = 0
                while done < args.big:
                    k = min(100_000, args.big - done)
                    chunk_rates.append(k / enqueue(conn, "bench_noop", k))
                    done += k
                enq.extend(chunk_rates)
                say(
                    f"  round {rnd + 1}: enqueue of {args.big:,} in batches of 10,000: per 100k chunk "
                    + ", ".join(f"{r / 1000:.0f}k" for r in chunk_rates)
                    + " jobs/s"
                )
                conn.execute("vacuum (analyze) conveyor.jobs")
                big.append(drain(url, args.big, args.batch, args.concurrency))
                say(f"  round {rnd + 1}: {args.big:,} backlog: {big[-1]:,.0f} jobs/s")
                # The small drain again, so the big one is bracketed by its reference.
                conn.execute("vacuum (analyze) conveyor.jobs")
                enqueue(conn, "bench_noop", args.jobs)
                conn.execute("vacuum (analyze) conveyor.jobs")
                small.append(drain(url, args.jobs, args.batch, args.concurrency))
                say(f"  round {rnd + 1}: {args.jobs:,} backlog again: {small[-1]:,.0f} jobs/s")
    finally:
        drop_database(admin, "probe_backlog")
    s = summary(f"{args.jobs:,} drain", small, "jobs/s")
    b = summary(f"{args.big:,} drain", big, "jobs/s")
    out = {"small": s, "big": b, "ratio": ratio("big / small backlog drain", b, s)}
    if enq:
        say(f"  enqueue chunks: first {enq[0]:,.0f}, last {enq[-1]:,.0f}, min {min(enq):,.0f} jobs/s")
        out["enqueue_last_over_first"] = enq[-1] / enq[0]
        say(f"RATIO last / first enqueue chunk: {enq[-1] / enq[0]:.2f}x")
    return out


# -- item 4: concurrent single enqueues -------------------------------------------------


def producers(
    url: str, n: int, seconds: float, statement: str, params: tuple[Any, ...], async_commit: bool = False
) -> float:
    """n threads, each its own connection, one statement per transaction for `seconds`; jobs/s."""
    counts = [0] * n
    stop = threading.Event()
    barrier = threading.Barrier(n + 1)

    def run(i: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            if async_commit:
                # The CPU and lock cost alone, without waiting for the (shared, noisy) disk.
                conn.execute("set synchronous_commit = off")
            barrier.wait()
            while not stop.is_set():
                conn.execute(statement, params)
                counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - started)


RAW_INSERT = """
with ins as (
    insert into conveyor.jobs (job_type, payload, max_attempts) values ('bench_noop', %s::jsonb, 5) returning id
)
select pg_notify('conveyor_jobs', 'bench_noop'), (select id from ins)
"""
ENQUEUE = "select conveyor.enqueue('bench_noop', %s::jsonb)"


def probe_enqueue(args: argparse.Namespace) -> dict[str, Any]:
    """raw insert + NOTIFY, then conveyor.enqueue with no worker idle (no NOTIFY), then with one idle (NOTIFY)."""
    admin, url = setup("enqueue")
    raw: list[float] = []
    ours: list[float] = []
    ours_idle: list[float] = []
    payload = ('{"n": 1, "kind": "bench"}',)
    listener = None
    try:
        if args.listener:
            # A worker's LISTEN session, as in production (a NOTIFY with no listener is cheaper).
            listener = psycopg.connect(url, autocommit=True)
            listener.execute("listen conveyor_jobs")
        with psycopg.connect(url, autocommit=True) as conn:
            for rnd in range(args.repeat):
                conn.execute("truncate conveyor.jobs")
                raw.append(producers(url, args.producers, args.seconds, RAW_INSERT, payload, args.async_commit))
                conn.execute("truncate conveyor.jobs")
                ours.append(producers(url, args.producers, args.seconds, ENQUEUE, payload, args.async_commit))
                conn.execute("truncate conveyor.jobs")
                conn.execute("select conveyor.worker_idle()")  # a worker waits: every job is worth a NOTIFY
                ours_idle.append(producers(url, args.producers, args.seconds, ENQUEUE, payload, args.async_commit))
                conn.execute("select conveyor.worker_busy()")
                say(
                    f"  round {rnd + 1}: raw insert + NOTIFY {raw[-1]:,.0f}/s, conveyor.enqueue {ours[-1]:,.0f}/s,"
                    f" with a worker idle {ours_idle[-1]:,.0f}/s"
                )
    finally:
        if listener is not None:
            with suppress(Exception):
                listener.close()
        drop_database(admin, "probe_enqueue")
    r = summary("raw insert + NOTIFY", raw, "jobs/s")
    o = summary("conveyor.enqueue, no worker idle", ours, "jobs/s")
    oi = summary("conveyor.enqueue, a worker idle", ours_idle, "jobs/s")
    return {
        "raw": r,
        "ours": o,
        "ours_idle": oi,
        "ratio": ratio("enqueue / raw insert + NOTIFY", o, r),
        "ratio_idle": ratio("enqueue with a worker idle / raw insert + NOTIFY", oi, r),
    }


# -- item 3: history -----------------------------------------------------------------------


def probe_history(args: argparse.Namespace) -> dict[str, Any]:
    """Two databases side by side, claims interleaved: `empty` has no history, `big` has args.rows rows."""
    admin, empty_url = setup("history_empty")
    _, big_url = setup("history")
    before: list[float] = []
    after: list[float] = []
    try:
        with psycopg.connect(empty_url, autocommit=True) as ec, psycopg.connect(big_url, autocommit=True) as bc:
            say(f"  writing {args.rows:,} history rows")
            bc.execute(
                """
                insert into conveyor.job_history (
                    id, job_type, priority, attempts, created_at, started_at, finished_at, worker
                )
                select -g, 'bench_ping', 0, 1, now() - interval '1 day', now() - interval '1 day',
                       now() - make_interval(secs => g * 0.05), 'w'
                from generate_series(1, %s) as g
                """,
                (args.rows,),
            )
            for c in (ec, bc):
                c.execute("select conveyor.register_job_type('bench_ping', p_keep_history => true)")
                enqueue(c, "bench_ping", (args.rounds + 20) * args.batch)
                c.execute("vacuum (analyze) conveyor.jobs, conveyor.job_history")
            ec.execute("checkpoint")
            for c in (ec, bc):
                time_claims(c, "bench_ping", 10, args.batch)
            per = 10
            for _ in range(args.rounds // per):
                before += time_claims(ec, "bench_ping", per, args.batch, with_complete=True)
                after += time_claims(bc, "bench_ping", per, args.batch, with_complete=True)
    finally:
        drop_database(admin, "probe_history")
        drop_database(admin, "probe_history_empty")
    b = {"best": min(before), "median": statistics.median(before)}
    a = {"best": min(after), "median": statistics.median(after)}
    say(f"  claim+complete of {args.batch}, empty history: best {b['best']:.3f} ms, median {b['median']:.3f} ms")
    say(f"  claim+complete of {args.batch}, {args.rows:,} rows: best {a['best']:.3f} ms, median {a['median']:.3f} ms")
    r = {"best": a["best"] / b["best"], "median": a["median"] / b["median"]}
    say(f"RATIO big / empty history, claim+complete (<= 1.1 wanted): best {r['best']:.2f}x, median {r['median']:.2f}x")
    return {"empty_ms": b, "big_ms": a, "ratio": r}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.scale_probe", description=__doc__.split("\n\n")[0])
    p.add_argument("probe", choices=["snapshot", "foreign", "backlog", "enqueue", "history"])
    p.add_argument("--jobs", type=int, default=200_000)
    p.add_argument("--big", type=int, default=1_000_000)
    p.add_argument("--foreign", type=int, default=1_000_000)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--rounds", type=int, default=200, help="timed claims (foreign, history)")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=200)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--producers", type=int, default=4)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--no-listener", dest="listener", action="store_false")
    p.add_argument("--async-commit", action="store_true", help="enqueue probe: producers without synchronous commit")
    p.add_argument("--json", help="write the result here")
    args = p.parse_args(argv)
    if args.probe == "foreign" and args.batch == 100:
        args.batch = 25  # the figure: a claim of 25
    result = globals()[f"probe_{args.probe}"](args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
