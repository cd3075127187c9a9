"""Helpers for tests that drive real ``conveyor`` processes against a test database.

Workers run as subprocesses of ``.venv/bin/conveyor`` with DATABASE_URL set to the
test's database and ``tests/`` on PYTHONPATH, so that ``--handlers
handlers_for_tests`` imports the test handlers. Their logs go to a file (a pipe
nobody reads would block a busy worker), read back with ``Proc.log()``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
CONVEYOR = str(Path(sys.executable).with_name("conveyor"))

T = TypeVar("T")


def cli_env(db_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = db_url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS_DIR), env.get("PYTHONPATH", "")) if p)
    env.pop("CONVEYOR_HANDLERS", None)
    env.update(extra)
    return env


def run_cli(db_url: str, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``conveyor ARGS`` to its end; stdout and stderr captured as text."""
    return subprocess.run(
        [CONVEYOR, *args], env=cli_env(db_url, **env), capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


class Proc:
    """A ``conveyor`` process running in the background, its output in a log file."""

    def __init__(self, db_url: str, args: list[str], log_path: Path, **env: str):
        self.log_path = log_path
        self._log = open(log_path, "w")  # closed in wait() and kill()
        self.popen = subprocess.Popen(
            [CONVEYOR, *args],
            env=cli_env(db_url, **env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        finally:
            if not self.alive():
                self._log.close()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait for the exit code (SIGKILL if it never comes)."""
        self.signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.alive():
            self.popen.kill()
            self.popen.wait(timeout=30)
        self._log.close()

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()


def start_worker(db_url: str, log_path: Path, *args: str, **env: str) -> Proc:
    return Proc(
        db_url,
        ["worker", "--handlers", "handlers_for_tests", "--poll-interval", "0.2", *args],
        log_path,
        **env,
    )


def wait_for(condition: Callable[[], T], timeout: float = 60, interval: float = 0.1, what: str = "condition") -> T:
    """Poll until ``condition()`` is truthy; return its value. Fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def prepare(conn: psycopg.Connection[Any]) -> None:
    """Create the executions table the test handlers write to, and register their job types.

    Small backoff bases keep retries fast; the tests override per type what they need.
    """
    conn.execute(
        """
        create table if not exists public.test_runs (
            job_id bigint not null,
            job_type text not null,
            attempt integer not null,
            pid integer not null,
            run_at timestamptz not null,
            outcome text not null default 'done',
            at timestamptz not null default clock_timestamp()
        )
        """
    )
    for name in ("t_record", "t_fail"):
        conn.execute(
            "select conveyor.register_job_type(%s, p_backoff_base => '0.2 seconds', p_backoff_cap => '2 seconds')",
            (name,),
        )


def scalar(conn: psycopg.Connection[Any], sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def enqueue(conn: psycopg.Connection[Any], job_type: str, payload: str = "{}", **kw: Any) -> int:
    cols = "".join(f", p_{k} => %({k})s" for k in kw)
    return scalar(conn, f"select conveyor.enqueue(%(t)s, %(p)s::jsonb{cols})", {"t": job_type, "p": payload, **kw})


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """A CLI error: non-zero exit, no traceback, one ``conveyor: error:`` line (plus an optional hint)."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[0].startswith("conveyor: error: "), result.stderr
    assert all(line.startswith("conveyor: hint: ") for line in lines[1:]), result.stderr
    return lines[0]
