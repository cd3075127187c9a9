"""EXPLAIN guards: the hot statements keep using their indexes (after PGQueuer's query-plan regression test).

The statements are taken from the functions' own source (``pg_proc.prosrc``), with
their parameters turned into placeholders, and explained as prepared statements
against a queue of 10,000 analysed rows: both the custom plans PL/pgSQL starts with
and the generic plan it caches after a few calls must probe the index, never scan
the table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

TYPES = ["alert", "calendar_sync", "execution", "housekeeping", "metric", "order_close", "risk_check"]


def statement(conn, function: str, params: list[str]) -> str:
    """The ``return query`` statement of a conveyor function, its p_ parameters as $1, $2, ..."""
    sources = conn.execute(
        "select prosrc from pg_proc where pronamespace = 'conveyor'::regnamespace and proname = %s", (function,)
    ).fetchall()
    assert len(sources) == 1, f"expected one conveyor.{function}"
    match = re.search(r"return query\s+(.*?);\s*(?:if found|end;)", sources[0][0], re.S)
    assert match, f"no return query statement in conveyor.{function}"
    text = match.group(1)
    for i, name in enumerate(params, start=1):
        text, n = re.subn(rf"\b{name}\b", f"${i}", text)
        assert n, f"{name} not used in conveyor.{function}'s statement"
    assert not re.search(r"\bp_\w+", text), "a parameter was left unreplaced"
    return text


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def explain(conn, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Every node of the plan of ``sql`` (an ``execute`` of a prepared statement)."""
    # Client-side binding: EXPLAIN takes no bind parameters, so the values go in as literals.
    cur = psycopg.ClientCursor(conn)
    raw = cur.execute(f"explain (format json) {sql}", params or None).fetchone()[0]
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return list(nodes(plan[0]["Plan"]))


def seq_scans_of_jobs(plan: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in plan if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "jobs"]


@pytest.fixture
def queue(conn):
    """10,000 jobs over every type and several priorities, 200 of them running, analysed."""
    jobs = [
        {"job_type": TYPES[i % len(TYPES)], "payload": {"i": i}, "priority": (i % 5) - 2, "delay_seconds": i % 3}
        for i in range(10_000)
    ]
    conn.execute("select count(*) from conveyor.enqueue_batch(%s::jsonb)", (json.dumps(jobs),))
    conn.execute("select count(*) from conveyor.claim_batch('planner', 200)")
    conn.execute("analyze conveyor.jobs")
    conn.execute("analyze conveyor.job_types")
    return conn


@pytest.mark.parametrize("plan_mode", ["force_custom_plan", "force_generic_plan"])
@pytest.mark.parametrize("job_types", [None, ["alert"], TYPES[:3]])
def test_claim_batch_walks_its_index(queue, plan_mode, job_types):
    conn = queue
    # v_clock is the claim's one clock reading (clock_timestamp()), a parameter of the statement too.
    sql = statement(conn, "claim_batch", ["p_worker", "p_batch_size", "p_job_types", "p_lease", "v_clock"])
    conn.execute(f"prepare claim (text, integer, text[], interval, timestamptz) as {sql}")
    conn.execute(f"set plan_cache_mode = {plan_mode}")
    plan = explain(conn, "execute claim('w', 25, %s::text[], null, clock_timestamp())", job_types)
    used = {n.get("Index Name") for n in plan}
    assert "jobs_priority_run_at_id_idx" in used, plan
    assert "jobs_pkey" in used, plan  # the update finds the claimed rows by id
    assert not seq_scans_of_jobs(plan), plan


@pytest.mark.parametrize("plan_mode", ["force_custom_plan", "force_generic_plan"])
def test_complete_jobs_never_scans_the_table(queue, plan_mode):
    conn = queue
    sql = statement(conn, "complete_jobs", ["p_job_ids", "p_lease_tokens"])
    conn.execute(f"prepare complete (bigint[], uuid[]) as {sql}")
    conn.execute(f"set plan_cache_mode = {plan_mode}")
    ids, tokens = zip(
        *conn.execute("select id, lease_token from conveyor.jobs where state = 'running' limit 25").fetchall(),
        strict=True,
    )
    plan = explain(conn, "execute complete(%s, %s)", list(ids), list(tokens))
    assert not seq_scans_of_jobs(plan), plan
    deleted_from = [n for n in plan if n.get("Relation Name") == "jobs" and n["Node Type"] != "ModifyTable"]
    assert deleted_from and all(n["Node Type"] == "Index Scan" for n in deleted_from), plan
    if plan_mode == "force_generic_plan":
        # The plan PL/pgSQL caches after its first calls: one primary-key probe per job, in id order.
        assert [n.get("Index Name") for n in deleted_from] == ["jobs_pkey"], plan
