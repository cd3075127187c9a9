"""claim_batch across transactions: the per-session hint never loses, duplicates or starves a job.

Within one transaction every claim starts from the beginning of each range (the
pgTAP tests under tests/sql/claim_batch); a worker claims in a transaction per call,
so these tests use autocommit connections, as the runner does.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import psycopg


def claim(conn: psycopg.Connection[Any], n: int, types: list[str] | None = None, fair: bool = False) -> list[tuple]:
    return conn.execute(
        "select id, job_type, priority, payload ->> 'n', lease_token from conveyor.claim_batch('w', %s, %s, null, %s)",
        (n, types, fair),
    ).fetchall()


def enqueue(conn: psycopg.Connection[Any], job_type: str, n: str, **kw: Any) -> int:
    cols = ", ".join(f"p_{k} => %({k})s" for k in kw)
    sql = f"select conveyor.enqueue(%(t)s, %(p)s::jsonb{', ' + cols if cols else ''})"
    return conn.execute(sql, {"t": job_type, "p": json.dumps({"n": n}), **kw}).fetchone()[0]


def state(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    return json.loads(conn.execute("select current_setting('conveyor.claim_state', true)").fetchone()[0] or "{}")


def test_a_job_due_behind_the_hint_is_claimed(conn):
    for i in range(3):
        enqueue(conn, "metric", f"a{i}")
    assert [r[3] for r in claim(conn, 2, ["metric"])] == ["a0", "a1"]
    assert "metric" in state(conn)["hints"]
    # Due an hour ago: behind where this session's last claim stopped.
    enqueue(conn, "metric", "late", run_at="2000-01-01T00:00:00Z")
    seen = []
    for _ in range(3):
        seen += [r[3] for r in claim(conn, 1, ["metric"])]
    assert sorted(seen) == ["a2", "late"], seen
    assert claim(conn, 10, ["metric"]) == []
    assert conn.execute("select count(*) from conveyor.jobs where state = 'queued'").fetchone()[0] == 0


def test_a_higher_priority_job_enqueued_later_comes_first(conn):
    for i in range(5):
        enqueue(conn, "metric", f"low{i}")
    assert [r[3] for r in claim(conn, 2, ["metric"])] == ["low0", "low1"]
    enqueue(conn, "metric", "urgent", priority=9)
    assert [r[3] for r in claim(conn, 2, ["metric"])] == ["urgent", "low2"]


def test_a_released_job_is_claimed_again(conn):
    for i in range(4):
        enqueue(conn, "metric", f"j{i}")
    first = claim(conn, 1, ["metric"])
    released = conn.execute(
        "select conveyor.release_jobs(%s::bigint[], %s::uuid[])", ([first[0][0]], [first[0][4]])
    ).fetchall()
    assert released == [(first[0][0],)]
    seen = []
    for _ in range(6):
        seen += [r[3] for r in claim(conn, 1, ["metric"])]
    assert sorted(seen) == ["j0", "j1", "j2", "j3"], seen


def test_a_lost_or_foreign_hint_costs_nothing(conn):
    """A pooler may hand the session to another client: any state is only a hint."""
    for i in range(3):
        enqueue(conn, "metric", f"m{i}")
    # A hint far past every job, as another client's session might leave.
    conn.execute(
        "select set_config('conveyor.claim_state', %s, false)",
        (json.dumps({"hints": {"metric": [-100, "2999-01-01T00:00:00+00:00", 10**12]}, "claim_xact": 0}),),
    )
    assert sorted(r[3] for r in claim(conn, 10, ["metric"])) == ["m0", "m1", "m2"]
    conn.execute("select set_config('conveyor.claim_state', '', false)")
    enqueue(conn, "metric", "m3")
    assert [r[3] for r in claim(conn, 10, ["metric"])] == ["m3"]


def test_other_types_backlog_is_not_claimed_and_does_not_hide_ours(conn):
    jobs = [{"job_type": "alert", "payload": {"n": i}, "priority": 10} for i in range(2000)]
    conn.execute("select count(*) from conveyor.enqueue_batch(%s::jsonb)", (json.dumps(jobs),))
    enqueue(conn, "metric", "mine", priority=-5)
    got = claim(conn, 25, ["metric"])
    assert [(r[1], r[3]) for r in got] == [("metric", "mine")]
    # Unrestricted: every type, highest priority first.
    assert {r[1] for r in claim(conn, 25)} == {"alert"}


def test_fair_claim_shares_the_batch_across_types(conn):
    jobs = [{"job_type": "alert", "payload": {"n": i}, "priority": 10} for i in range(50)]
    jobs += [{"job_type": "metric", "payload": {"n": i}} for i in range(3)]
    conn.execute("select count(*) from conveyor.enqueue_batch(%s::jsonb)", (json.dumps(jobs),))
    strict = claim(conn, 10, ["alert", "metric"])
    assert [r[1] for r in strict] == ["alert"] * 10
    fair = claim(conn, 10, ["alert", "metric"], fair=True)
    assert sorted(r[1] for r in fair) == ["alert"] * 7 + ["metric"] * 3
    fair = claim(conn, 10, None, fair=True)
    assert [r[1] for r in fair] == ["alert"] * 10  # metric has nothing left


def test_concurrent_claimers_with_hints_claim_each_job_once(db_url):
    """8 sessions claim and complete while a producer keeps enqueueing, some jobs due in the past."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("select conveyor.register_job_type('hinted', p_keep_history => true)")
    total = 3000
    stop = threading.Event()
    claimed: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def producer() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                for i in range(0, total, 50):
                    batch = [
                        {"payload": {"n": i + k}, **({"run_at": "2001-01-01T00:00:00Z"} if k % 7 == 0 else {})}
                        for k in range(50)
                    ]
                    conn.execute(
                        "select count(*) from conveyor.enqueue_batch(%s::jsonb, 'hinted')", (json.dumps(batch),)
                    )
        except BaseException as exc:
            errors.append(exc)

    def worker() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                while not stop.is_set():
                    rows = conn.execute(
                        "select id, lease_token from conveyor.claim_batch('w', 17, array['hinted'])"
                    ).fetchall()
                    if rows:
                        ids, tokens = zip(*rows, strict=True)
                        conn.execute(
                            "select count(*) from conveyor.complete_jobs(%s::bigint[], %s::uuid[])",
                            (list(ids), list(tokens)),
                        )
                        with lock:
                            claimed.extend(ids)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    p = threading.Thread(target=producer)
    p.start()
    p.join()
    with psycopg.connect(db_url, autocommit=True) as conn:
        # Wait on the condition, not the clock: every job completed.
        for _ in range(6000):
            if conn.execute("select count(*) from conveyor.job_history").fetchone()[0] >= total:
                break
            threading.Event().wait(0.01)
        stop.set()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(claimed) == total
        assert len(set(claimed)) == total
        assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0
        assert conn.execute("select count(distinct id) from conveyor.job_history").fetchone()[0] == total


def test_a_late_committed_job_behind_the_floor_is_claimed_under_a_steady_backlog(db_url, conn):
    """A job enqueued early in a long transaction is due at that transaction's start: behind
    the hint and the floor once it commits. With a backlog that never runs dry, no claim
    finds nothing; the periodic claim from the very start must still reach it."""
    with psycopg.connect(db_url) as held:
        late = enqueue(held, "metric", "late")  # due at the held transaction's start
        for i in range(200):
            enqueue(conn, "metric", f"b{i}")
        assert [r[3] for r in claim(conn, 10, ["metric"])] == [f"b{i}" for i in range(10)]
        held.commit()
    for _ in range(3):  # hint claims, and a floor claim: the late job is behind both
        conn.execute("select set_config('conveyor.claim_state', %s, false)", (json.dumps(aged(state(conn), 2)),))
        assert late not in [r[0] for r in claim(conn, 10, ["metric"])]
    # Ten seconds on: a claim from the very start of the range, the late job first.
    conn.execute("select set_config('conveyor.claim_state', %s, false)", (json.dumps(aged(state(conn), 11)),))
    got = claim(conn, 10, ["metric"])
    assert got[0][0] == late and len(got) == 10


def aged(s: dict[str, Any], seconds: float) -> dict[str, Any]:
    """This session's claim state as if `seconds` had passed since each thing it timed."""
    return {k: (v - seconds if k.endswith("_at") or k.endswith("_xact") else v) for k, v in s.items()}
