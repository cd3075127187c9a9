"""Housekeeping under concurrency: a second run while one holds the lock is skipped, not doubled."""

from __future__ import annotations

import psycopg


def test_second_concurrent_run_is_skipped(db_url, conn):
    with psycopg.connect(db_url) as first:  # not autocommit: the run's transaction stays open
        assert first.execute("select conveyor.housekeeping() ->> 'status'").fetchone() == ("done",)
        result = conn.execute("select conveyor.housekeeping()").fetchone()[0]
        assert result["status"] == "skipped"
        first.commit()
    assert conn.execute("select conveyor.housekeeping() ->> 'status'").fetchone() == ("done",)
    statuses = [r[0] for r in conn.execute("select status from conveyor.housekeeping_log order by id")]
    assert statuses == ["done", "skipped", "done"]  # in insertion order: the first run logged first


def test_cli_housekeeping_and_health(db_url, monkeypatch, capsys):
    from pgconveyor.ops.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["housekeeping"]) == 0
    assert '"status": "done"' in capsys.readouterr().out
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("update conveyor.schedules set enabled = false")
        assert main(["health"]) == 0
        conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 51)")
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert "status: degraded" in out
    assert "51 jobs are ready" in out
