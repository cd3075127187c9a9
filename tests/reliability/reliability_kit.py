"""Helpers of the reliability suite: a ledger of real runs, worker processes, polling.

Every fault here is real: worker processes are killed with real signals, server
backends are terminated, servers are restarted. Nothing sleeps a fixed time to
"let things happen": tests poll for the condition they need under a generous deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

LEDGER = """
create table if not exists public.rel_runs (
    job_id bigint not null,
    attempt integer not null,
    pid integer not null,
    lease_token uuid,
    started_at timestamptz not null default clock_timestamp()
);
create table if not exists public.rel_effects (
    job_id bigint not null,
    attempt integer not null
);
"""


def prepare(url: str, lease: str = "2 seconds", max_attempts: int = 5) -> None:
    """Ledger tables and the rel_work job type: short lease, quick backoff, so faults heal fast."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(LEDGER)
        conn.execute(
            "select conveyor.register_job_type('rel_work', p_max_attempts => %s, p_lease => %s::interval,"
            " p_backoff_base => interval '50 milliseconds', p_backoff_cap => interval '200 milliseconds')",
            (max_attempts, lease),
        )


def wait_for(
    predicate: Callable[[], Any], timeout: float = 90.0, interval: float = 0.1, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def scalar(url: str, sql: str, params: Any = None) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


class WorkerProcess:
    """A real ``conveyor worker`` process running the rel_handlers module."""

    def __init__(self, url: str, log_path: Path, *args: str, db_url: str | None = None):
        env = dict(os.environ)
        env["DATABASE_URL"] = url
        env["REL_DB_URL"] = db_url or url
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT)])
        self.log_path = log_path
        cmd = [
            sys.executable,
            "-m",
            "pgconveyor.ops.cli",
            "worker",
            "--handlers",
            "rel_handlers",
            "--job-types",
            "rel_work",
        ]
        with open(log_path, "ab") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([*cmd, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
