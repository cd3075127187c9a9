"""Item 20: no secret in cron.job; the HTTP endpoints reject missing, malformed, wrong and probed secrets alike.

pg_cron stores each job's command in plain text in cron.job, readable by whoever
may read that table: a command must therefore never carry a bearer token, a key or
a URL. Ours call ``conveyor.run_schedule('<name>')`` in the database and nothing
else. The HTTP fallback (POST /api/jobs/cron) holds its secret in the server's
environment (JOBS_CRON_SECRET) and calls ``conveyor.tick()``, which needs none.

Timing: the token is compared with ``hmac.compare_digest`` (checked on the code
path below). We do not measure response times: the difference a naive comparison
of a short secret makes is nanoseconds, far below the request-to-request noise of
an HTTP stack on a shared machine, so such a statistic could not fail reliably
(see docs/reliability.md).
"""

from __future__ import annotations

import ast
import base64
import inspect
import re
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient

import pgconveyor.ops.http
from pgconveyor.core.registry import load_handlers
from pgconveyor.ops.http import create_app

SECRET = "k7Qp2Zx9Lm4Tr8Vw1Ys6Nb3Hd5Fg0Jc"  # 32 characters, like a generated token
SECRET_LIKE = re.compile(r"bearer|secret|token|api[_-]?key|password|authorization|https?://|net\.http", re.I)


def test_cron_job_commands_carry_no_secret(cron_url):
    name = f"leak_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cron_url, autocommit=True) as conn:
        # A schedule whose payload holds a key: the payload stays in conveyor.schedules.
        conn.execute(
            "select conveyor.add_schedule(%s, '*/13 * * * *', 'alert', p_payload => %s::jsonb)",
            (name, '{"api_key": "sk-live-do-not-leak", "url": "https://example.invalid/hook"}'),
        )
        try:
            jobs = conn.execute(
                "select jobname, command, schedule, nodename, database, username from cron.job"
                " where jobname like 'conveyor\\_%' and database = current_database() order by jobname"
            ).fetchall()
            enabled = {r[0] for r in conn.execute("select name from conveyor.schedules where enabled")}
        finally:
            conn.execute("select conveyor.remove_schedule(%s)", (name,))
    assert {j[0] for j in jobs} == {f"conveyor_{s}" for s in enabled}
    assert f"conveyor_{name}" in {j[0] for j in jobs} and "conveyor_housekeeping" in {j[0] for j in jobs}
    for jobname, command, *rest in jobs:
        schedule = jobname.removeprefix("conveyor_")
        assert command == f"select conveyor.run_schedule('{schedule}')", command
        assert not SECRET_LIKE.search(command)
        assert "do-not-leak" not in " ".join(map(str, [command, *rest]))
        assert not any("://" in str(v) or "password" in str(v).lower() for v in rest), rest


def test_http_fallback_needs_no_secret_in_the_database(db_url, conn):
    conn.execute("update conveyor.schedules set enabled = false")
    conn.execute("select conveyor.add_schedule('http_tick', '* * * * *', 'alert')")
    conn.execute("update conveyor.schedules set created_at = now() - interval '5 minutes' where name = 'http_tick'")
    with TestClient(create_app(db_url, cron_secret=SECRET), raise_server_exceptions=False) as client:
        r = client.post("/api/jobs/cron", headers={"Authorization": f"Bearer {SECRET}"})
    assert r.status_code == 200 and r.json()["count"] == 1
    # Nowhere in the database: no table row, no function body, no setting.
    tables = conn.execute(
        "select format('%I.%I', n.nspname, c.relname)"
        " from pg_class as c join pg_namespace as n on n.oid = c.relnamespace"
        " where c.relkind in ('r', 'p') and n.nspname in ('conveyor', 'public')"
    ).fetchall()
    assert len(tables) > 10
    for (table,) in tables:
        hits = conn.execute(f"select count(*) from {table} as t where t::text like %s", (f"%{SECRET}%",)).fetchone()
        assert hits == (0,), table
    assert conn.execute("select count(*) from pg_proc where prosrc like %s", (f"%{SECRET}%",)).fetchone() == (0,)
    assert conn.execute(
        "select count(*) from pg_db_role_setting where array_to_string(setconfig, ' ') like %s", (f"%{SECRET}%",)
    ).fetchone() == (0,)


def probes() -> dict[str, list[str | bytes]]:
    half = len(SECRET) // 2

    def other(ch: str) -> str:
        return "A" if ch != "A" else "B"

    return {
        "malformed": [
            f"Basic {base64.b64encode(f'user:{SECRET}'.encode()).decode()}",
            "Bearer",
            "Bearer ",
            "Bearer    ",
            f"Token {SECRET}",
            SECRET,
            f"Bearer:{SECRET}",
            f"Bearer-{SECRET}",
        ],
        "wrong": [
            "Bearer wrong",
            f"Bearer {SECRET.upper()}",  # the token is case-sensitive
            f"Bearer {SECRET.swapcase()}",
            f"Bearer {SECRET[:-1]}",
            f"Bearer {SECRET}x",
            f"Bearer {SECRET} {SECRET}",
            f"Bearer {SECRET * 100}",
            "Bearer " + "x" * 100_000,
            f"Bearer {SECRET[:half]}é{SECRET[half + 1 :]}".encode(),  # not ASCII: still a plain 403
        ],
        # Same length as the secret, sharing none, half, and all but the last of its characters:
        # a comparison that stops at the first difference would answer them at different speeds.
        "timing": [
            "Bearer " + "".join(other(c) for c in SECRET),
            "Bearer " + SECRET[:half] + "".join(other(c) for c in SECRET[half:]),
            "Bearer " + SECRET[:-1] + other(SECRET[-1]),
            "Bearer " + other(SECRET[0]) + SECRET[1:],
        ],
    }


@pytest.mark.parametrize("path", ["/api/jobs/cron", "/api/jobs/process"])
def test_endpoints_reject_every_bad_secret_alike(db_url, conn, path):
    conn.execute("update conveyor.schedules set enabled = false")
    conn.execute("select conveyor.add_schedule('due_now', '* * * * *', 'alert')")
    conn.execute("update conveyor.schedules set created_at = now() - interval '5 minutes' where name = 'due_now'")
    conn.execute("select conveyor.enqueue('alert', '{}')")
    sets = probes()
    with TestClient(
        create_app(db_url, cron_secret=SECRET, handlers=load_handlers(demo=True)), raise_server_exceptions=False
    ) as client:
        missing = client.post(path)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        for header in sets["malformed"]:
            r = client.post(path, headers={"Authorization": header})
            assert r.status_code == 401, header
            assert r.headers["www-authenticate"] == "Bearer" and SECRET not in r.text
        answers = set()
        for header in sets["wrong"] + sets["timing"]:
            r = client.post(path, headers={"Authorization": header})
            assert r.status_code == 403, header
            answers.add((r.status_code, r.content, r.headers["content-type"], r.headers["content-length"]))
        assert answers == {(403, b'{"error":"wrong bearer token"}', "application/json", "30")}, answers
        # Nothing ran: no tick, no claim.
        assert conn.execute("select count(*) from conveyor.schedule_runs").fetchone() == (0,)
        untouched = "select count(*) from conveyor.jobs where state = 'queued' and attempts = 0"
        assert conn.execute(untouched).fetchone() == (1,)
        # The scheme is case-insensitive (RFC 9110): the right token is accepted under any spelling of it.
        assert client.post(path, headers={"Authorization": f"bearer {SECRET}"}).status_code == 200
    # No secret configured: everything is refused, even a guess at an empty one.
    with TestClient(create_app(db_url, cron_secret=""), raise_server_exceptions=False) as client:
        for header in ["Bearer ", "Bearer x", f"Bearer {SECRET}"]:
            assert client.post(path, headers={"Authorization": header}).status_code == 503


def test_the_token_is_compared_in_constant_time():
    """On the code path: require_bearer compares with compare_digest and never with == on the token."""
    tree = ast.parse(inspect.getsource(pgconveyor.ops.http))
    (fn,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "require_bearer"]
    calls = [
        n
        for n in ast.walk(fn)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr == "compare_digest"
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id in {"hmac", "secrets"}
    ]
    assert len(calls) == 1, "require_bearer must compare with hmac.compare_digest"
    names_in_call = {n.id for n in ast.walk(calls[0]) if isinstance(n, ast.Name)}
    assert {"token", "expected"} <= names_in_call
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not names & {"token", "expected"}, ast.unparse(node)
