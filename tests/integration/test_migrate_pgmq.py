"""migrate and pgmq: installed from its SQL where allowed, absent without breaking anything where not."""

from __future__ import annotations

import uuid

import psycopg
from conftest import create_database, drop_database

from pgconveyor.ops.migrate import migrate


def test_without_pgmq_routes_fall_back_and_migrate_says_so_once(admin_url):
    name = f"conveyor_nopgmq_{uuid.uuid4().hex[:8]}"
    url = create_database(admin_url, name)
    try:
        report = migrate(url, install_pgmq=False)
        notes = [n for n in report.notes if "pgmq" in n]
        assert len(notes) == 1 and "fall back to the jobs table" in notes[0]
        assert report.pgmq_queues == []
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select conveyor.execution_mode() ->> 'pgmq_available'").fetchone()[0] == "false"
            assert conn.execute("select conveyor.dispatch('alert', '{}') ->> 'destination'").fetchone()[0] == "jobs"
            assert conn.execute("select count(*) from conveyor.pgmq_queue_depths()").fetchone()[0] == 0

        # Allowed later, the next migrate installs pgmq and creates the queues.
        report = migrate(url, install_pgmq=True)
        assert sorted(report.pgmq_queues) == sorted(
            q + s for q in ("alert_jobs", "autosniping_jobs", "metrics_jobs") for s in ("", "_dlq")
        )
        assert migrate(url, install_pgmq=True).pgmq_queues == [], "a second migrate changes nothing"
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("select conveyor.dispatch('alert', '{}') ->> 'destination'").fetchone()[0] == "pgmq"
    finally:
        drop_database(admin_url, name)
