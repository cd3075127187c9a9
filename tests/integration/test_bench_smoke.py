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
