"""The benchmark still runs to the end (`python -m bench.run --quick`), so it cannot rot.

Nothing here is timed: the figures of a quick run are noise. It checks that every
workload ran against the real server and left its results where it says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_bench_runs_to_the_end(admin_url: str, tmp_path: Path) -> None:
    out = tmp_path / "quick.json"
    prefix = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--db-prefix", prefix, "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": admin_url},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    ours = result["ours"]
    for workload in ("drain_history_off", "drain_history_on", "enqueue_batch", "enqueue_single"):
        assert ours[workload]["jobs_per_s"] > 0, workload
    assert ours["pickup"]["jobs"] == 20
    assert ours["pickup"]["p99_ms"] >= ours["pickup"]["p50_ms"]
    assert {row["key"] for row in result["comparison"]} >= {"drain_history_off", "pickup_p99"}
    assert "idle pickup p99" in proc.stdout


@pytest.mark.slow
def test_scale_mode_runs_every_row_tiny(admin_url: str, tmp_path: Path) -> None:
    """`make bench-scale` at toy sizes (--quick): every row of issue 10's table, pgbench included."""
    out = tmp_path / "scale.json"
    prefix = f"bench_smoke_{uuid.uuid4().hex[:8]}"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", "--quick", "--db-prefix", prefix, "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": admin_url},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = {row["key"]: row for row in result["rows"]}
    assert set(rows) == {
        "backlog", "enqueue", "snapshot", "job_types", "producers", "producers_plain", "producers_idle",
        "processes", "one_process",
    }  # fmt: skip
    for row in rows.values():
        assert row["ref_best"] > 0 and row["got_best"] > 0, row
        assert row["ratio"] == pytest.approx(row["got_best"] / row["ref_best"])
    samples = result["samples"]
    for key in ("drain_p1", "drain_p2", "pgbench_c1", "pgbench_c2", "minimal_loop", "snapshot_held"):
        assert samples[key] and min(samples[key]) > 0, key
    assert len(samples["claim_ms_0"]) == result["args"]["claims"]
    assert "pgbench limit, 2 clients" in proc.stdout
    # Nothing left behind on the server.
    with psycopg.connect(admin_url, autocommit=True) as conn:
        left = conn.execute("select count(*) from pg_database where datname like %s", (prefix + "%",)).fetchone()[0]
    assert left == 0
