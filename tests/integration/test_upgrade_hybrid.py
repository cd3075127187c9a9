"""Upgrading a busy database across migrations 0560-0562 (pgmq hardening, schedules dispatch, history outcomes).

The database is built by the version just before 0560 (its migrations, functions
and cron files, taken from git), filled with jobs in every state, pgmq messages,
dead letters and outbox rows, then migrated by this checkout. Nothing is lost,
duplicated or stranded, and the new functions work on the old rows. The rollback
files of 0562, 0561 and 0560 then undo them exactly: migrating forward again gives
the committed schema.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from schema_snapshot import snapshot

from pgconveyor.core.config import MIGRATIONS_DIR
from pgconveyor.ops import migrate as migrate_module

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "tests" / "expected_schema.txt"
OURS = ["0562_history_outcomes", "0561_schedule_dispatch", "0560_pgmq_hardening"]


def baseline(tmp_path: Path) -> Path:
    """The tree (migrations, functions, cron, runner) of the commit before 0560 was added."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git history of the checkout")
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", "migrations/0560_pgmq_hardening.sql"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if not added:
        pytest.skip("0560 is not committed yet")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", f"{added[-1]}^", "migrations", "functions", "cron", "runner"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tmp_path, filter="data")
    return tmp_path


@pytest.fixture
def old_db(admin_url, tmp_path):
    """A database migrated by the previous version's own code (run from its tree, as a user ran it)."""
    name = f"conveyor_upgrade_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    parts = urlsplit(admin_url)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    old = baseline(tmp_path)
    code = "import sys; from pgconveyor.ops.migrate import migrate; migrate(sys.argv[1], install_pgmq=True)"
    env = {"PYTHONPATH": str(old / "runner"), "CONVEYOR_HOME": str(old), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code, url], cwd=old, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"the previous version's migrate failed:\n{done.stderr}"
    yield url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def fill(conn) -> None:
    """Jobs queued, scheduled, running, retrying, dead and completed; pgmq messages; outbox rows; a schedule run."""
    conn.execute("select conveyor.enqueue('calendar_sync', jsonb_build_object('n', g)) from generate_series(1, 6) as g")
    conn.execute("select conveyor.enqueue('risk_check', '{}', p_delay => interval '1 hour')")
    conn.execute("select conveyor.enqueue('calendar_sync', '{}', p_max_attempts => 1, p_priority => 9)")
    conn.execute("select conveyor.enqueue('calendar_sync', '{}', p_priority => 8)")
    claimed = conn.execute("select id, lease_token from conveyor.claim_batch('w-old', 4)").fetchall()
    conn.execute("select conveyor.fail_job(%s, %s, 'boom')", claimed[0])  # dead (1 attempt)
    conn.execute("select conveyor.fail_job(%s, %s, 'boom', interval '0')", claimed[1])  # retrying
    conn.execute("select conveyor.complete_job(%s, %s)", claimed[2])  # completed
    conn.execute("select conveyor.run_schedule('risk_check')")
    conn.execute("select conveyor.dispatch('alert', jsonb_build_object('n', g)) from generate_series(1, 3) as g")
    conn.execute("select count(*) from conveyor.pgmq_read('alert_jobs', 1, 30)")
    conn.execute("select conveyor.set_execution_mode('inngest')")
    conn.execute("select conveyor.dispatch('calendar_sync', '{\"via\": \"inngest\"}')")
    conn.execute("select conveyor.set_execution_mode('postgres')")


STATE = """
select
    (select jsonb_agg(jsonb_build_array(id, state, attempts, dedup_key, jsonb_array_length(errors)) order by id)
     from conveyor.jobs),
    (select jsonb_agg(jsonb_build_array(id, reason) order by id) from conveyor.dead_letters),
    (select jsonb_agg(jsonb_build_array(id, job_type) order by id) from conveyor.job_history),
    (select jsonb_agg(jsonb_build_array(msg_id, read_ct, message) order by msg_id) from pgmq.q_alert_jobs),
    (select jsonb_agg(jsonb_build_array(id, event_id, sent_at) order by id) from conveyor.inngest_outbox),
    (select count(*) from conveyor.schedule_runs)
"""


def test_a_busy_database_upgrades_and_rolls_back(old_db):
    with psycopg.connect(old_db, autocommit=True) as conn:
        fill(conn)
        before = conn.execute(STATE).fetchone()
    assert len(before[0]) == 8 and len(before[1]) == 1 and len(before[2]) == 1 and len(before[3]) == 3

    report = migrate_module.migrate(old_db, install_pgmq=True)
    applied = report.applied_migrations
    assert applied[-3:] == list(reversed(OURS)), "ours come last (others' may land before them)"
    with psycopg.connect(old_db, autocommit=True) as conn:
        assert conn.execute(STATE).fetchone() == before, "nothing lost, duplicated or changed"
        assert conn.execute("select outcome, queue from conveyor.job_history").fetchall() == [("completed", None)]
        assert conn.execute("select count(*) from conveyor.settings where name like '%retention'").fetchone()[0] == 6
        # The old rows work with the new functions: the waiting message is read, a running job completes.
        read = conn.execute("select job_id, read_ct from conveyor.pgmq_read('alert_jobs', 10, 30)").fetchall()
        assert len(read) == 2 and {ct for _, ct in read} == {1}
        running = conn.execute("select id, lease_token from conveyor.jobs where state = 'running'").fetchone()
        conn.execute("select conveyor.complete_job(%s, %s)", running)
        assert conn.execute("select conveyor.run_schedule('risk_check')").fetchone()[0] is not None
        assert conn.execute("select conveyor.health() ->> 'status'").fetchone()[0] is not None
        assert conn.execute("select count(*) from conveyor.dlq_triage()").fetchone()[0] == 1
        assert snapshot(conn) == EXPECTED.read_text().split("\n", 3)[3]

    # The rollback files undo 0562, 0561 and 0560; migrating again restores the schema exactly.
    from yoyo import get_backend, read_migrations

    backend = get_backend(migrate_module._yoyo_url(old_db))
    try:
        ours = read_migrations(str(MIGRATIONS_DIR)).filter(lambda m: m.id in OURS)
        with backend.lock():
            backend.rollback_migrations(backend.to_rollback(ours))
    finally:
        backend.connection.close()
    with psycopg.connect(old_db, autocommit=True) as conn:
        columns = conn.execute(
            "select count(*) from information_schema.columns where table_schema = 'conveyor' "
            "and (table_name, column_name) in (('job_history', 'outcome'), ('job_history', 'queue'), "
            "('schedules', 'last_dispatch'), ('schedule_runs', 'destination'))"
        ).fetchone()[0]
        assert columns == 0
    assert migrate_module.migrate(old_db, install_pgmq=True).applied_migrations == list(reversed(OURS))
    with psycopg.connect(old_db, autocommit=True) as conn:
        assert snapshot(conn) == EXPECTED.read_text().split("\n", 3)[3]
