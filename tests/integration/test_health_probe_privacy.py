"""Issue 11, item 9: the unauthenticated health probe names no host, port, role or other session."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from pgconveyor.ops.http import create_app


def test_unreachable_database_is_not_described():
    url = "postgresql://secret_role:pw@127.0.0.1:1/secret_db"
    with TestClient(create_app(url, cron_secret="x"), raise_server_exceptions=False) as c:
        r = c.get("/api/health/queues")
    assert r.status_code == 503
    body = r.text
    assert r.json()["status"] == "unhealthy"
    for leak in ("127.0.0.1", "secret_role", "secret_db", "port", '"1"'):
        assert leak not in body, f"the probe's answer reveals {leak!r}: {body}"


def test_health_does_not_hand_out_other_sessions(db_url, conn):
    conn.execute("update conveyor.schedules set enabled = false")
    conn.execute("select conveyor.set_setting('health_old_xact_max', '1 microsecond')")
    with psycopg.connect(db_url, application_name="someone-elses-app") as other:
        other.execute("select 1")  # an open transaction of another session
        pid = other.info.backend_pid
        with TestClient(create_app(db_url, cron_secret="x"), raise_server_exceptions=False) as c:
            r = c.get("/api/health/queues")
        problems = [p for p in r.json()["problems"] if p["check"] == "old_transaction"]
        assert problems, r.json()
        assert "someone-elses-app" not in r.text
        assert str(pid) not in r.text
        assert "pid" not in problems[0] and "application_name" not in problems[0]
