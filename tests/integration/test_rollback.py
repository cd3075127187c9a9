"""conveyor migrate --to VERSION: every earlier version works after a rollback, and forward again is today's schema.

The walk goes over whatever migrations exist (a new one with its .rollback.sql is
covered without touching this file): migrate to the newest; roll back one version
at a time, checking at each that the version's views answer, its core API runs and
`conveyor health` (from the version that has health) answers; roll back everything;
migrate again and compare with tests/expected_schema.txt and, bodies included, with
a database migrated straight to the newest version.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from runner_helpers import run_cli
from schema_snapshot import data_snapshot, snapshot

from pgconveyor.ops.code_sets import migration_order, shipped_versions

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "tests" / "expected_schema.txt"
VERSIONS = migration_order()
PGMQ = {"CONVEYOR_INSTALL_PGMQ": "true"}


@pytest.fixture
def empty_db(admin_url):
    name = f"conveyor_rb_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def cli_ok(url: str, *args: str, **env: str) -> str:
    r = run_cli(url, *args, **{**PGMQ, **env})
    assert r.returncode == 0, f"conveyor {' '.join(args)}: {r.stdout}\n{r.stderr}"
    return r.stdout


def applied(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("select to_regclass('conveyor._yoyo_migration') is not null").fetchone()[0]
        if not exists:
            return []
        ids = {r[0] for r in conn.execute("select migration_id from conveyor._yoyo_migration")}
    return [v for v in VERSIONS if v in ids]


def seed_every_state(conn: psycopg.Connection) -> None:
    """Jobs queued, scheduled, running, retrying, dead and completed (history)."""
    for n in range(6):
        conn.execute("select conveyor.enqueue('calendar_sync', %s::jsonb)", (f'{{"n": {n}}}',))
    conn.execute("select conveyor.enqueue('calendar_sync', '{\"later\": true}', p_delay => '1 hour')")
    claimed = conn.execute("select id, lease_token from conveyor.claim_batch('seed', 4)").fetchall()
    (done_id, done_tok), (retry_id, retry_tok), (dead_id, dead_tok), _running = claimed
    conn.execute("select conveyor.complete_job(%s, %s)", (done_id, done_tok))
    conn.execute("select conveyor.fail_job(%s, %s, 'boom 1')", (retry_id, retry_tok))
    conn.execute("select conveyor.fail_job(%s, %s, 'boom 2', p_permanent => true)", (dead_id, dead_tok))


def check_version_works(url: str, version: str) -> None:
    """The code now in the database is this version's, and it runs."""
    with psycopg.connect(url, autocommit=True) as conn:
        views = [
            r[0]
            for r in conn.execute(
                "select format('%I.%I', n.nspname, c.relname) from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'conveyor' and c.relkind = 'v'"
            )
        ]
        for view in views:
            conn.execute(f"select * from {view} limit 1").fetchall()
        has_health = conn.execute("select to_regproc('conveyor.health') is not null").fetchone()[0]
        # The core API of every version: enqueue, claim, complete (undone: the data stays as seeded).
        with conn.transaction(force_rollback=True):
            conn.execute("select conveyor.enqueue('calendar_sync', '{\"smoke\": true}', p_priority => 32000)")
            rows = conn.execute("select id, lease_token from conveyor.claim_batch('smoke', 1)").fetchall()
            assert len(rows) == 1, f"{version}: claim_batch returned {rows}"
            assert conn.execute("select conveyor.complete_job(%s, %s)", rows[0]).fetchone()[0] is not None
    assert "calendar_sync" in cli_ok(url, "status")
    if has_health:
        r = run_cli(url, "health")
        assert r.returncode in (0, 1, 2), f"{version}: conveyor health: {r.stdout}\n{r.stderr}"
        assert "status:" in r.stdout, r.stdout
    else:
        # Only versions before schedules and health lack it.
        assert VERSIONS.index(version) < VERSIONS.index("0100_schedules_health")


def test_every_version_has_its_code_set_shipped():
    # scripts/code_sets.py writes them from git; the newest version's code is functions/ itself.
    # Compared as sets: yoyo's order follows -- depends, not the ids (0570 may follow 0551).
    # That each is whole (its blobs there and exact) is tests/unit/test_code_sets.py's.
    shipped = shipped_versions()
    assert shipped == sorted(VERSIONS[:-1]), "code_sets/ is out of date: run .venv/bin/python scripts/code_sets.py"


@pytest.mark.slow
def test_roll_back_step_by_step_then_forward_restores_the_schema(empty_db, template_db, admin_url):
    cli_ok(empty_db, "migrate")
    with psycopg.connect(empty_db, autocommit=True) as conn:
        seed_every_state(conn)
    for i in range(len(VERSIONS) - 2, -1, -1):
        version = VERSIONS[i]
        out = cli_ok(empty_db, "migrate", "--to", version)
        assert f"migration {VERSIONS[i + 1]} rolled back" in out, out
        assert applied(empty_db) == VERSIONS[: i + 1]
        check_version_works(empty_db, version)

    out = cli_ok(empty_db, "migrate", "--to", "base")
    assert f"migration {VERSIONS[0]} rolled back" in out
    with psycopg.connect(empty_db, autocommit=True) as conn:
        left = conn.execute(
            "select count(*) from pg_class c where c.relnamespace = 'conveyor'::regnamespace "
            "and c.relkind in ('r', 'v') and c.relname not like '\\_yoyo%%' and c.relname <> 'yoyo_lock'"
        ).fetchone()[0]
        routines = conn.execute("select count(*) from pg_proc where pronamespace = 'conveyor'::regnamespace").fetchone()
    assert (left, routines[0]) == (0, 0)

    cli_ok(empty_db, "migrate")
    assert applied(empty_db) == VERSIONS
    with psycopg.connect(empty_db, autocommit=True) as conn:
        actual = snapshot(conn)
        with_bodies = snapshot(conn, bodies=True)
    header = "".join(EXPECTED.read_text().splitlines(keepends=True)[:3])
    assert header + actual == EXPECTED.read_text()
    with psycopg.connect(f"{admin_url.rsplit('/', 1)[0]}/{template_db}", autocommit=True) as conn:
        assert with_bodies == snapshot(conn, bodies=True)


@pytest.mark.slow
def project(rows: list[str], like: list[str]) -> list[str]:
    """rows (to_jsonb text) restricted to the keys of the rows in like, in data_snapshot's form."""
    if not like:
        return rows
    keys = set(json.loads(like[0]))
    return sorted(json.dumps({k: v for k, v in json.loads(r).items() if k in keys}) for r in rows)


def test_rollback_and_forward_keep_every_job(empty_db):
    cli_ok(empty_db, "migrate")
    tables = ("jobs", "dead_letters", "job_history")
    with psycopg.connect(empty_db, autocommit=True) as conn:
        seed_every_state(conn)
        before = {t: rows for t, rows in data_snapshot(conn).items() if t in tables}
    cli_ok(empty_db, "migrate", "--to", VERSIONS[0])
    with psycopg.connect(empty_db, autocommit=True) as conn:
        rolled = {t: rows for t, rows in data_snapshot(conn).items() if t in tables}
    # Columns a later migration added (job_history.queue and outcome, 0562) are gone at
    # the older version: every row is still there, with the columns that version has.
    assert {t: project(rows, rows) for t, rows in rolled.items()} == {
        t: project(rows, rolled[t]) for t, rows in before.items()
    }
    cli_ok(empty_db, "migrate")
    with psycopg.connect(empty_db, autocommit=True) as conn:
        after = {t: rows for t, rows in data_snapshot(conn).items() if t in tables}
        states = conn.execute(
            "select count(*) filter (where state = 'running'), count(*) from conveyor.jobs"
        ).fetchone()
    assert after == before
    assert states == (1, 5)  # one running; two ready, one retrying and one scheduled waiting


def test_refused_without_change(empty_db, tmp_path):
    cli_ok(empty_db, "migrate")
    with psycopg.connect(empty_db, autocommit=True) as conn:
        before = snapshot(conn, bodies=True, include_yoyo=True)

    r = run_cli(empty_db, "migrate", "--to", "0999_nope")
    assert r.returncode == 2 and "unknown version '0999_nope'" in r.stderr, r.stderr

    # A checkout without the shipped code sets cannot know the older code: it stops first.
    home = tmp_path / "home"
    for folder in ("migrations", "functions", "cron"):
        shutil.copytree(ROOT / folder, home / folder)
    r = run_cli(empty_db, "migrate", "--to", VERSIONS[-2], CONVEYOR_HOME=str(home))
    assert r.returncode == 2 and f"no code set for {VERSIONS[-2]}" in r.stderr, r.stderr

    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert snapshot(conn, bodies=True, include_yoyo=True) == before

    cli_ok(empty_db, "migrate", "--to", VERSIONS[0])
    r = run_cli(empty_db, "migrate", "--to", VERSIONS[-2])
    assert r.returncode == 2 and "only goes back" in r.stderr, r.stderr


def test_migrate_records_the_code_it_ran(conn):
    files = conn.execute("select conveyor.code_set(%s)", (VERSIONS[-1],)).fetchone()[0]
    paths = [f["path"] for f in files]
    assert paths[0].startswith("functions/") and paths[-1].startswith("cron/")
    assert "functions/grants/9900_grants.sql" in paths
    # Older versions were never run by this database: migrate --to takes them from code_sets/.
    assert conn.execute("select conveyor.code_set(%s)", (VERSIONS[-2],)).fetchone()[0] is None


def _cron_jobs(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [
            r[0]
            for r in conn.execute(
                "select jobname from cron.job where jobname like 'conveyor\\_%' "
                "and database = current_database() order by 1"
            )
        ]


@pytest.mark.slow
def test_rollback_keeps_pg_cron_in_step_with_the_schedules(cron_url):
    """Down to the first version with schedules, pg_cron keeps its jobs; below it, none is left calling nothing."""
    schedules = VERSIONS.index("0100_schedules_health")
    jobs = ["conveyor_calendar_sync", "conveyor_housekeeping", "conveyor_risk_check"]
    assert _cron_jobs(cron_url) == jobs
    try:
        cli_ok(cron_url, "migrate", "--to", VERSIONS[schedules])
        assert _cron_jobs(cron_url) == jobs
        cli_ok(cron_url, "migrate", "--to", VERSIONS[schedules - 1])
        assert _cron_jobs(cron_url) == []
    finally:
        cli_ok(cron_url, "migrate")
    assert _cron_jobs(cron_url) == jobs


@pytest.mark.slow
def test_a_stopped_rollback_is_finished_by_running_it_again(empty_db):
    """A .rollback.sql that fails (here: a view of the operator's on a table it drops) stops with a way out."""
    cli_ok(empty_db, "migrate")
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("create view public.my_schedules as select name from conveyor.schedules")
    below = VERSIONS[VERSIONS.index("0100_schedules_health") - 1]
    r = run_cli(empty_db, "migrate", "--to", below, **PGMQ)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "rolling back stopped" in r.stderr and f"run `conveyor migrate --to {below}` again" in r.stderr
    assert applied(empty_db)[-1] == "0100_schedules_health"  # the newer ones are rolled back, 0100 is not
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("drop view public.my_schedules")
    cli_ok(empty_db, "migrate", "--to", below)
    assert applied(empty_db) == VERSIONS[: VERSIONS.index(below) + 1]
    check_version_works(empty_db, below)
