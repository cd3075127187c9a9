"""``conveyor demo`` (what ``make run`` runs after migrating) drains its jobs and prints the status table."""

from __future__ import annotations

import pytest
from runner_helpers import run_cli, scalar


@pytest.mark.slow
def test_demo_completes_and_prints_status(db_url, conn):
    result = run_cli(db_url, "demo", "--jobs", "60", timeout=180)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "enqueued 60 demo jobs" in out
    assert "done in " in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("job type"))
    rows = {line.split()[0]: line.split() for line in lines[header + 2 :] if line.strip() and line[0].isalpha()}
    for job_type in ("calendar_sync", "risk_check", "housekeeping", "execution", "order_close", "alert", "metric"):
        assert job_type in rows, out
    # Three demo jobs always fail: they end as dead letters, shown by the demo.
    assert scalar(conn, "select count(*) from conveyor.dead_letters") == 3
    assert "latest dead letters" in out
    # Everything else completed; nothing is left waiting or running. The scheduled types
    # went through the jobs table (history), the others through their pgmq queues
    # (archived on success), as the routing table sends them.
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0
    table_types = "('calendar_sync', 'risk_check', 'housekeeping')"
    in_table = sum(1 for i in range(60) if i % 7 < 3)
    assert scalar(conn, f"select count(*) from conveyor.job_history where job_type in {table_types}") == in_table - 3
    archived = sum(
        scalar(conn, f"select count(*) from pgmq.a_{q}") for q in ("autosniping_jobs", "alert_jobs", "metrics_jobs")
    )
    assert archived == 60 - in_table
    assert scalar(conn, "select coalesce(sum(depth), 0) from conveyor.pgmq_queue_depths()") == 0
    assert "pgmq queues" in out and "health: " in out
