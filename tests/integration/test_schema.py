"""The schema that migrations plus functions build is exactly the committed one, and migrate is idempotent.

tests/expected_schema.txt is the reviewed definition of the ``conveyor`` schema
(tables, columns, constraints, indexes, function signatures, grants). When a change
to migrations/ or functions/ is meant to change it, regenerate the file and commit
the diff with the change:

    CONVEYOR_UPDATE_SCHEMA=1 .venv/bin/pytest tests/integration/test_schema.py -k expected
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from runner_helpers import CONVEYOR, cli_env, run_cli
from schema_snapshot import data_snapshot, snapshot

EXPECTED = Path(__file__).resolve().parent.parent / "expected_schema.txt"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
HEADER = (
    "# The conveyor schema as migrations/ + functions/ build it (tests/integration/test_schema.py).\n"
    "# Regenerate after an intended change:\n"
    "#   CONVEYOR_UPDATE_SCHEMA=1 .venv/bin/pytest tests/integration/test_schema.py -k expected\n"
)


@pytest.fixture
def fresh_db(admin_url):
    """An empty database, never migrated."""
    name = f"conveyor_fresh_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    parts = urlsplit(admin_url)
    yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def test_schema_matches_the_expected_definition(conn):
    actual = HEADER + snapshot(conn)
    if os.environ.get("CONVEYOR_UPDATE_SCHEMA"):
        EXPECTED.write_text(actual)
    expected = EXPECTED.read_text()
    if actual != expected:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), actual.splitlines(keepends=True), "expected", "actual"
            )
        )
        pytest.fail(
            "the conveyor schema differs from tests/expected_schema.txt; if the change is intended, "
            f"regenerate it (see the file's header) and commit the diff:\n{diff}"
        )


def test_expected_schema_keeps_public_out():
    # Nothing in the committed definition is granted to PUBLIC, and every table has RLS on.
    text = EXPECTED.read_text()
    assert "PUBLIC:" not in text
    tables = [line for line in text.splitlines() if line.startswith("table ")]
    assert tables and all(" rls=t " in line for line in tables)


@pytest.mark.slow
def test_migrate_twice_changes_nothing(fresh_db):
    first = run_cli(fresh_db, "migrate")
    assert first.returncode == 0, first.stderr
    assert "migration 0001_core applied" in first.stdout
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        schema = snapshot(conn, bodies=True, include_yoyo=True)
        data = data_snapshot(conn)
    second = run_cli(fresh_db, "migrate")
    assert second.returncode == 0, second.stderr
    assert "schema is up to date" in second.stdout
    assert "applied\n" not in second.stdout.replace("function and view files applied\n", "")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        assert snapshot(conn, bodies=True, include_yoyo=True) == schema
        assert data_snapshot(conn) == data
    assert "function body CREATE OR REPLACE FUNCTION conveyor.claim_batch" in schema
    assert data["job_types"] and data["_yoyo_migration"]


@pytest.mark.slow
def test_two_concurrent_migrates_both_succeed(fresh_db, template_db, admin_url):
    procs = [
        subprocess.Popen(
            [CONVEYOR, "migrate"], env=cli_env(fresh_db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, (out, err)
    # One of them applied the migrations, the other found them applied.
    assert sum("migration 0001_core applied" in out for out, _ in outputs) == 1
    parts = urlsplit(admin_url)
    template_url = urlunsplit((parts.scheme, parts.netloc, f"/{template_db}", parts.query, parts.fragment))
    with psycopg.connect(fresh_db) as conn, psycopg.connect(template_url) as ref:
        assert snapshot(conn, bodies=True) == snapshot(ref, bodies=True)
        migrations = [p for p in MIGRATIONS.glob("*.sql") if not p.name.endswith(".rollback.sql")]
        assert conn.execute("select count(*) from conveyor._yoyo_migration").fetchone()[0] == len(migrations)
