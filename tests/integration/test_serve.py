"""`conveyor serve` as a real process: uvicorn answers the probe, the cron endpoint and metrics over TCP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from runner_helpers import wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, method: str = "GET", token: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def server(db_url, conn, tmp_path):
    conn.execute("update conveyor.schedules set enabled = false")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "JOBS_CRON_SECRET": "tok",
        "CONVEYOR_HANDLERS": "pgconveyor.ops.demo_handlers",
    }
    log = tmp_path / "serve.log"
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pgconveyor.ops.cli", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            return True  # exited: reported below
        try:
            _request(base + "/api/health/queues")
            return True
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        wait_for(answers, timeout=60, what="conveyor serve to answer")
    except AssertionError:
        pass
    if proc.poll() is not None or not answers():
        proc.kill()
        proc.wait()
        out.close()
        pytest.fail(f"conveyor serve did not start: {log.read_text()[-2000:]}")
    yield base
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    out.close()


def test_serve_answers_over_tcp(server, conn):
    status, body = _request(server + "/api/health/queues")
    assert status == 200
    assert json.loads(body)["status"] == "healthy"
    assert _request(server + "/api/jobs/cron", "POST")[0] == 401
    assert _request(server + "/api/jobs/cron", "POST", "nope")[0] == 403
    status, body = _request(server + "/api/jobs/cron", "POST", "tok")
    assert status == 200 and json.loads(body)["count"] == 0
    conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 3)")
    status, body = _request(server + "/api/jobs/process?batch_size=10", "POST", "tok")
    assert status == 200 and json.loads(body)["completed"] == 3
    status, body = _request(server + "/metrics")
    assert status == 200 and b"conveyor_up 1.0" in body
