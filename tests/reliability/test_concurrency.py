"""Item 3: many concurrent claimers; batch operations lock rows in a stable order."""

from __future__ import annotations

import random
import threading

import psycopg
import pytest

CLAIMERS = 16
JOBS = 20_000


def fill(conn, n: int) -> None:
    for start in range(0, n, 5000):
        conn.execute(
            "select count(*) from conveyor.enqueue_batch("
            "(select jsonb_agg(jsonb_build_object('payload', jsonb_build_object('i', g)))"
            " from generate_series(%s::int, %s::int) g), 'rel_work')",
            (start, min(n, start + 5000) - 1),
        )


@pytest.mark.slow
def test_concurrent_claimers_never_share_a_job(rel_url):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        fill(conn, JOBS)
    claims: list[list[tuple[int, object]]] = [[] for _ in range(CLAIMERS)]
    completed: list[list[int]] = [[] for _ in range(CLAIMERS)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(CLAIMERS)

    def claimer(k: int) -> None:
        try:
            with psycopg.connect(rel_url, autocommit=True) as c:
                barrier.wait()
                while True:
                    rows = c.execute(
                        "select id, lease_token from conveyor.claim_batch(%s, %s, null, interval '10 minutes')",
                        (f"claimer-{k}", random.randint(1, 60)),
                    ).fetchall()
                    if not rows:
                        return
                    claims[k].extend(rows)
                    random.shuffle(rows)  # complete_jobs must sort, not the caller
                    done = c.execute(
                        "select conveyor.complete_jobs(%s, %s)", ([r[0] for r in rows], [r[1] for r in rows])
                    ).fetchall()
                    completed[k].extend(d[0] for d in done)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(k,)) for k in range(CLAIMERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    assert errors == []
    all_claims = [c for per in claims for c in per]
    assert len(all_claims) == JOBS, "a job was claimed twice (two live leases) or never"
    assert len({c[0] for c in all_claims}) == JOBS
    all_done = [d for per in completed for d in per]
    assert len(all_done) == JOBS and len(set(all_done)) == JOBS
    assert sum(1 for per in claims if per) > 1, "only one claimer got work: no concurrency was tested"
    with psycopg.connect(rel_url, autocommit=True) as conn:
        assert conn.execute("select count(*), count(distinct id) from conveyor.job_history").fetchone() == (JOBS, JOBS)
        assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0


def test_overlapping_batches_in_any_order_do_not_deadlock(rel_url):
    """Eight sessions renew, release and complete the same 300 jobs, each call in its own shuffled order.

    Each batch function locks its rows in id order, so calls over overlapping sets
    wait for each other instead of deadlocking (40P01 would show up in errors).
    """
    with psycopg.connect(rel_url, autocommit=True) as conn:
        fill(conn, 300)
        held = conn.execute("select id, lease_token from conveyor.claim_batch('owner', 300)").fetchall()
    errors: list[BaseException] = []
    completed: list[int] = []
    barrier = threading.Barrier(8)

    def call(c, fn: str, part) -> list[int]:
        ids, tokens = [p[0] for p in part], [p[1] for p in part]
        return [r[0] for r in c.execute(f"select conveyor.{fn}(%s, %s)", (ids, tokens)).fetchall()]

    def hammer(seed: int) -> None:
        rnd = random.Random(seed)
        try:
            with psycopg.connect(rel_url, autocommit=True) as c:
                barrier.wait()
                for _ in range(25):
                    call(c, "extend_leases", rnd.sample(held, 250))
                completed.extend(call(c, "complete_jobs", rnd.sample(held, 200)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(completed) == len(set(completed)) and len(completed) >= 200


def test_link_retries_a_real_deadlock_instead_of_wedging(rel_url):
    """Two runner connections lock two jobs in opposite orders: Postgres kills one (40P01), Link retries it."""
    import asyncio

    from pgconveyor.core.db import Link

    with psycopg.connect(rel_url, autocommit=True) as conn:
        fill(conn, 2)
        a_id, b_id = [r[0] for r in conn.execute("select id from conveyor.jobs order by id")]
    attempts = {"x": 0, "y": 0}

    async def lock_both(name: str, first: int, second: int, gate: asyncio.Barrier) -> None:
        link = Link(rel_url, name)

        async def tx(c) -> None:
            attempts[name] += 1
            async with c.transaction():
                await c.execute("select 1 from conveyor.jobs where id = %s for update", (first,))
                if attempts[name] == 1:
                    await gate.wait()  # both hold their first row before either asks for the second
                await c.execute("select 1 from conveyor.jobs where id = %s for update", (second,))

        try:
            await link.run(tx)
        finally:
            await link.close()

    async def both() -> None:
        gate = asyncio.Barrier(2)
        await asyncio.wait_for(asyncio.gather(lock_both("x", a_id, b_id, gate), lock_both("y", b_id, a_id, gate)), 60)

    asyncio.run(both())
    assert sorted(attempts.values()) == [1, 2], "exactly one side was chosen as the deadlock victim and retried"
