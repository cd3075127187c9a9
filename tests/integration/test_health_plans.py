"""EXPLAIN guard: health() and the health views stay index-backed on a large history.

auto_explain with log_level = notice hands the plan of every statement health()
runs inside PL/pgSQL back to this connection, so the test checks what Postgres
really does, not the SQL text (as PGQueuer's plan-regression test does).
"""

from __future__ import annotations

import json

import pytest

GUARDED = {"job_history", "dead_letters"}


def _seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in GUARDED:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


@pytest.fixture
def big_history(conn):
    # A week of history (about 200k rows, in finish order as a queue writes it) and a month of dead letters.
    conn.execute(
        "insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at) "
        "select g, (array['alert','metric','risk_check'])[1 + g % 3], 0, 1, t - interval '1 second', "
        "       t - interval '0.1 second', t "
        "from generate_series(1, 200000) as g, "
        "     lateral (select now() - interval '7 days' + g * interval '3 seconds' as t) as x"
    )
    conn.execute(
        "insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, reason, "
        "  created_at, died_at) "
        "select g, 'alert', '{}', 0, 5, 5, '[]', 'test', now(), now() - interval '30 days' + g * interval '2 minutes' "
        "from generate_series(1, 21000) as g"
    )
    conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 20)")
    conn.execute("vacuum analyze conveyor.job_history")
    conn.execute("vacuum analyze conveyor.dead_letters")
    conn.execute("analyze conveyor.jobs")
    return conn


def plans_of(conn, statement: str) -> list[dict]:
    plans: list[dict] = []

    def on_notice(diag) -> None:
        message = diag.message_primary or ""
        if message.startswith("duration"):
            plans.append(json.loads(message[message.index("{") :]))

    conn.add_notice_handler(on_notice)
    conn.execute("load 'auto_explain'")
    conn.execute("set auto_explain.log_min_duration = 0")
    conn.execute("set auto_explain.log_nested_statements = on")
    conn.execute("set auto_explain.log_format = json")
    conn.execute("set auto_explain.log_level = notice")
    try:
        conn.execute(statement).fetchall()
    finally:
        conn.execute("set auto_explain.log_min_duration = -1")
        conn.remove_notice_handler(on_notice)
    assert plans, "auto_explain reported no plan"
    return plans


@pytest.mark.parametrize(
    "statement",
    [
        "select conveyor.health()",
        "select * from conveyor.queue_health",
        "select * from conveyor.schedule_health",
        "select * from conveyor.worker_health",
        "select * from conveyor.run_time_buckets()",
    ],
)
def test_no_sequential_scan_of_history_or_dead_letters(big_history, statement):
    plans = plans_of(big_history, statement)
    scans = [name for p in plans for name in _seq_scans(p["Plan"])]
    assert scans == [], f"{statement} scans {scans} sequentially"
    if "history" in statement or "health()" in statement or "queue_health" in statement or "buckets" in statement:
        assert "job_history" in json.dumps(plans), "the guarded table was not read at all"


def test_the_guard_sees_a_full_scan(big_history):
    plans = plans_of(big_history, "select count(*) from conveyor.dead_letters where reason = 'test'")
    assert [name for p in plans for name in _seq_scans(p["Plan"])] == ["dead_letters"]
