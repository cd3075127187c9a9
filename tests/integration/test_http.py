"""conveyor serve's app against a real database: status codes, every auth failure, JSON errors, metrics."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from pgconveyor.core.config import ConfigError
from pgconveyor.core.registry import load_handlers
from pgconveyor.ops.http import create_app

SECRET = "s3cret-token"
AUTH = {"Authorization": f"Bearer {SECRET}"}


@pytest.fixture
def quiet_db(conn):
    # The seeded schedules are not run by pg_cron in a test database: keep them out of health.
    conn.execute("update conveyor.schedules set enabled = false")
    return conn


@pytest.fixture
def client(db_url, quiet_db):
    with TestClient(create_app(db_url, cron_secret=SECRET), raise_server_exceptions=False) as c:
        yield c


def test_health_status_codes_follow_health(client, quiet_db):
    r = client.get("/api/health/queues")
    assert r.status_code == 200
    assert r.json()["status"] == "healthy"

    quiet_db.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 51)")
    r = client.get("/api/health/queues")
    assert r.status_code == 207
    assert r.json()["problems"][0]["check"] == "pending"

    quiet_db.execute("select conveyor.enqueue('metric', '{}', p_run_at => now() - interval '4 hours')")
    r = client.get("/api/health/queues")
    assert r.status_code == 503
    assert r.json()["status"] == "unhealthy"


def test_health_is_503_json_when_the_database_is_unreachable():
    app = create_app("postgresql://nobody@127.0.0.1:1/nowhere", cron_secret=SECRET)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/health/queues")
        assert r.status_code == 503
        assert r.json()["status"] == "unhealthy"
        assert r.json()["problems"][0]["check"] == "database"
        # The authenticated endpoints say so too, as JSON, without a trace.
        r = c.post("/api/jobs/cron", headers=AUTH)
        assert r.status_code == 503
        assert r.json() == {"error": "database unreachable"}
        m = c.get("/metrics")
        assert m.status_code == 200
        up = {f.name: f for f in text_string_to_metric_families(m.text)}["conveyor_up"]
        assert up.samples[0].value == 0


@pytest.mark.parametrize("path", ["/api/jobs/cron", "/api/jobs/process"])
def test_every_auth_failure(client, db_url, path):
    r = client.post(path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert "error" in r.json()
    assert client.post(path, headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.post(path, headers={"Authorization": "Bearer "}).status_code == 401
    r = client.post(path, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 403
    assert r.json() == {"error": "wrong bearer token"}
    assert client.post(path, headers={"Authorization": f"Bearer {SECRET}x"}).status_code == 403
    # No secret configured: the endpoint refuses everything, even a guess at an empty one.
    with TestClient(create_app(db_url, cron_secret=""), raise_server_exceptions=False) as c:
        r = c.post(path, headers=AUTH)
        assert r.status_code == 503
        assert "JOBS_CRON_SECRET" in r.json()["error"]


def test_secret_comes_from_the_environment(db_url, quiet_db, monkeypatch):
    monkeypatch.setenv("JOBS_CRON_SECRET", "from-env")
    with TestClient(create_app(db_url), raise_server_exceptions=False) as c:
        assert c.post("/api/jobs/cron", headers={"Authorization": "Bearer from-env"}).status_code == 200
        assert c.post("/api/jobs/cron", headers=AUTH).status_code == 403


def test_cron_endpoint_enqueues_what_is_due(client, quiet_db):
    quiet_db.execute("select conveyor.add_schedule('every_minute', '* * * * *', 'risk_check')")
    quiet_db.execute(
        "update conveyor.schedules set created_at = now() - interval '5 minutes' where name = 'every_minute'"
    )
    r = client.post("/api/jobs/cron", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1
    assert body["ran"][0]["schedule"] == "every_minute"
    job_id = body["ran"][0]["job_id"]
    assert quiet_db.execute("select job_type from conveyor.jobs where id = %s", (job_id,)).fetchone() == ("risk_check",)
    # The same slot is not run twice.
    assert client.post("/api/jobs/cron", headers=AUTH).json()["count"] in (0, 1)
    assert quiet_db.execute("select count(*) from conveyor.jobs").fetchone()[0] == 1


def test_process_runs_one_batch_and_counts(db_url, quiet_db):
    quiet_db.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 5)")
    quiet_db.execute("""select conveyor.enqueue('alert', '{"always_fail": true}', p_max_attempts => 1)""")
    app = create_app(db_url, cron_secret=SECRET, handlers=load_handlers(demo=True))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/jobs/process?batch_size=4", headers=AUTH)
        assert r.status_code == 200, r.text
        first = r.json()
        assert first["claimed"] == 4
        r = c.post("/api/jobs/process?batch_size=10", headers=AUTH)
        second = r.json()
    assert first["processed"] + second["processed"] == 6
    assert first["completed"] + second["completed"] == 5
    assert first["dead"] + second["dead"] == 1
    assert quiet_db.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0
    assert quiet_db.execute("select count(*) from conveyor.job_history").fetchone()[0] == 5


def test_process_runs_one_batch_from_the_jobs_table_and_the_routed_pgmq_queues(db_url, quiet_db):
    """Issue 9 item 4: one POST runs one batch of each source, through the worker's one-batch mode."""
    quiet_db.execute("select conveyor.dispatch('alert', jsonb_build_object('n', g)) from generate_series(1, 3) g")
    quiet_db.execute("select conveyor.dispatch('risk_check', jsonb_build_object('n', g)) from generate_series(1, 2) g")
    assert quiet_db.execute("select count(*) from pgmq.q_alert_jobs").fetchone()[0] == 3
    app = create_app(db_url, cron_secret=SECRET, handlers=load_handlers(demo=True))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/jobs/process?batch_size=10", headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["completed"] == 5 and body["processed"] == 5
    assert body["by_source"] == {"jobs": 2, "pgmq:alert_jobs": 3}
    assert quiet_db.execute("select count(*) from pgmq.q_alert_jobs").fetchone()[0] == 0
    assert quiet_db.execute("select count(*) from pgmq.a_alert_jobs").fetchone()[0] == 3
    assert quiet_db.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0


def test_process_status_gives_depth_and_dead_per_queue_counts_per_type_and_mode(client, quiet_db):
    quiet_db.execute("select conveyor.dispatch('alert', jsonb_build_object('n', g)) from generate_series(1, 4) g")
    quiet_db.execute('select pgmq.send(\'alert_jobs_dlq\', \'{"job_type": "alert", "payload": {}}\')')
    quiet_db.execute("select conveyor.enqueue('risk_check', '{}') from generate_series(1, 2)")
    job = quiet_db.execute("select conveyor.enqueue('calendar_sync', '{}')").fetchone()[0]
    quiet_db.execute("select conveyor.move_to_dead_letter(%s, 'test')", (job,))
    # Same bearer token, same checks as the POST.
    assert client.get("/api/jobs/process").status_code == 401
    assert client.get("/api/jobs/process", headers={"Authorization": "Bearer wrong"}).status_code == 403
    r = client.get("/api/jobs/process", headers=AUTH)
    assert r.status_code == 200, r.text
    status = r.json()
    queues = {q["queue"]: q for q in status["queues"]}
    assert queues["jobs"]["kind"] == "jobs"
    assert (queues["jobs"]["depth"], queues["jobs"]["dead"]) == (2, 1)
    assert (queues["alert_jobs"]["kind"], queues["alert_jobs"]["depth"], queues["alert_jobs"]["dead"]) == ("pgmq", 4, 1)
    assert "alert_jobs_dlq" not in queues
    types = {t["job_type"]: t for t in status["job_types"]}
    assert types["risk_check"]["ready"] == 2 and types["calendar_sync"]["dead"] == 1
    assert types["alert"]["queue"] == "alert_jobs"
    assert status["mode"]["mode"] == quiet_db.execute("select conveyor.execution_mode() ->> 'mode'").fetchone()[0]


def test_bad_requests_get_json_errors(client):
    r = client.post("/api/jobs/process?batch_size=0", headers=AUTH)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid request"
    assert r.json()["details"][0]["field"] == "query.batch_size"
    r = client.post("/api/jobs/process?batch_size=abc", headers=AUTH)
    assert r.status_code == 422
    r = client.get("/no/such/path")
    assert r.status_code == 404
    assert r.json() == {"error": "Not Found"}
    r = client.get("/api/jobs/cron")
    assert r.status_code == 405
    assert "error" in r.json()


def test_metrics_parse_and_carry_the_numbers(client, quiet_db):
    quiet_db.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 3)")
    quiet_db.execute(
        "insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at) "
        "select -g, 'metric', 0, 1, now(), now() - interval '0.2 seconds', now() from generate_series(1, 4) as g"
    )
    quiet_db.execute("select conveyor.add_schedule('late', '*/5 * * * *', 'alert')")
    quiet_db.execute("update conveyor.schedules set created_at = now() - interval '1 hour' where name = 'late'")
    quiet_db.execute("select conveyor.worker_heartbeat('w1', array['alert'], 2, 17, 'host', 1, 5)")

    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}

    assert samples[("conveyor_up", ())] == 1
    assert samples[("conveyor_queue_jobs", (("job_type", "alert"), ("state", "ready")))] == 3
    assert samples[("conveyor_jobs_completed_last_hour", (("job_type", "metric"),))] == 4
    # A gauge histogram (the last hour's distribution); the classic text format
    # writes it as a histogram with _gcount and _gsum gauges beside it.
    assert families["conveyor_job_run_seconds"].type == "histogram"
    assert samples[("conveyor_job_run_seconds_bucket", (("job_type", "metric"), ("le", "0.25")))] == 4
    assert samples[("conveyor_job_run_seconds_bucket", (("job_type", "metric"), ("le", "0.1")))] == 0
    assert samples[("conveyor_job_run_seconds_gcount", (("job_type", "metric"),))] == 4
    assert families["conveyor_worker_processed"].type == "counter"
    assert samples[("conveyor_worker_processed_total", (("worker", "w1"),))] == 17
    assert families["conveyor_worker_failed"].type == "counter"
    assert samples[("conveyor_worker_failed_total", (("worker", "w1"),))] == 5
    assert samples[("conveyor_schedule_missed", (("schedule", "late"),))] == 1
    assert samples[("conveyor_schedule_lag_seconds", (("schedule", "late"),))] > 0
    assert samples[("conveyor_dead_letters", (("job_type", "alert"),))] == 0
    assert samples[("conveyor_health_status", ())] == 1


def test_serve_mounts_inngest_only_when_configured(db_url, monkeypatch):
    from pgconveyor.core.registry import HandlerSpec

    async def noop(job):
        return None

    handlers = {"alert": HandlerSpec("alert", noop, True)}
    keys = ("INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY", "INNGEST_DEV", "INNGEST_BASE_URL", "CONVEYOR_SERVE_INNGEST")
    for key in keys:
        monkeypatch.delenv(key, raising=False)
    with TestClient(create_app(db_url, handlers=handlers), raise_server_exceptions=False) as c:
        assert c.get("/api/inngest").status_code == 404

    # Production mode without a signing key: a clear error at start-up, not a broken endpoint.
    monkeypatch.setenv("INNGEST_EVENT_KEY", "ek")
    with pytest.raises(ConfigError, match="INNGEST_SIGNING_KEY"):
        create_app(db_url, handlers=handlers)

    monkeypatch.delenv("INNGEST_EVENT_KEY")
    monkeypatch.setenv("INNGEST_DEV", "1")
    with TestClient(create_app(db_url, handlers=handlers), raise_server_exceptions=False) as c:
        body = c.get("/api/inngest").json()
    assert body["function_count"] == 1, body
