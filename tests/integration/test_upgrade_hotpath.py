"""Upgrading a landed database through migration 0600 (claim by type, partitioned history).

The database is built by the migrate of the commit just before 0600 was added
(its migrations, functions and runner, taken from git), filled with jobs in every state through that
version's own functions, then migrated with this checkout. Nothing may be lost,
duplicated or stranded: every job keeps its state, its lease still completes, the
waiting ones are claimed by the new claim_batch, and history and dead letters keep
every row.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from pgconveyor.ops.migrate import migrate

ROOT = Path(__file__).resolve().parents[2]
JOBS = "select id, state::text, attempts, run_at, lease_token from conveyor.jobs order by id"
# The columns every version has (later ones add some, e.g. queue and outcome).
HISTORY = (
    "select id, job_type, priority, attempts, created_at, started_at, finished_at, worker"
    " from conveyor.job_history order by id"
)


def commit_before(path: str) -> str | None:
    """The commit just before the first one that added `path` (a pathspec), or None without git history."""
    try:
        added = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{added[-1]}^" if added else None


@pytest.fixture
def old_db(admin_url):
    ref = commit_before("migrations/0600_*")
    if ref is None:
        pytest.skip("needs the git history of this checkout")
    name = f"conveyor_up_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    with tempfile.TemporaryDirectory(prefix="conveyor-old-") as tmp:
        archive = Path(tmp) / "old.tar"
        subprocess.run(
            ["git", "archive", "-o", str(archive), ref, "migrations", "functions", "cron", "runner"],
            cwd=ROOT,
            check=True,
        )
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        subprocess.run(
            [sys.executable, "-c", "import sys; from pgconveyor.ops.migrate import migrate; migrate(sys.argv[1])", url],
            # That version's own migrate (its runner package), as its users ran it.
            env={**os.environ, "CONVEYOR_HOME": tmp, "PYTHONPATH": str(Path(tmp) / "runner")},
            check=True,
            capture_output=True,
        )
    yield url
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def test_upgrade_keeps_jobs_in_every_state(old_db):
    with psycopg.connect(old_db, autocommit=True) as conn:
        assert conn.execute("select to_regclass('conveyor.jobs_priority_run_at_id_idx')").fetchone()[0]
        sql = conn.execute
        sql("select conveyor.register_job_type('up', p_max_attempts => 3, p_keep_history => true)")
        # completed (history), dead (dead letters), running, retrying, scheduled, ready
        for i in range(40):
            sql("select conveyor.enqueue('up', %s::jsonb)", (f'{{"n": {i}}}',))
        claimed = sql("select id, lease_token from conveyor.claim_batch('old', 20, array['up'])").fetchall()
        done, dead, failed, running = claimed[:5], claimed[5:8], claimed[8:12], claimed[12:]
        for jid, tok in done:
            sql("select conveyor.complete_job(%s, %s)", (jid, tok))
        for jid, tok in dead:
            sql("select conveyor.fail_job(%s, %s, 'boom', null, true)", (jid, tok))
        for jid, tok in failed:
            sql("select conveyor.fail_job(%s, %s, 'later', interval '1 hour')", (jid, tok))
        for i in range(5):
            sql("select conveyor.enqueue('up', %s::jsonb, p_delay => interval '2 hours')", (f'{{"s": {i}}}',))
        sql("select conveyor.enqueue('up', '{\"d\": 1}', p_dedup_key => 'only-one')")
        before = {
            "jobs": sql(JOBS).fetchall(),
            "history": sql(HISTORY).fetchall(),
            "dead": sql("select id, reason from conveyor.dead_letters order by id").fetchall(),
        }
        assert len(before["history"]) == 5 and len(before["dead"]) == 3
        states = {s for _, s, *_ in before["jobs"]}
        assert states == {"queued", "running"}

    migrate(old_db)

    with psycopg.connect(old_db, autocommit=True) as conn:
        sql = conn.execute
        assert sql("select to_regclass('conveyor.jobs_priority_run_at_id_idx')").fetchone()[0] is None
        assert sql("select relkind from pg_class where oid = 'conveyor.job_history'::regclass").fetchone()[0] == "p"
        after = {
            "jobs": sql(JOBS).fetchall(),
            "history": sql(HISTORY).fetchall(),
            "dead": sql("select id, reason from conveyor.dead_letters order by id").fetchall(),
        }
        assert after == before
        # The dedup key is still held.
        (dup,) = sql("select conveyor.enqueue('up', '{\"d\": 2}', p_dedup_key => 'only-one')").fetchone()
        assert dup == sql("select id from conveyor.jobs where dedup_key = 'only-one'").fetchone()[0]
        # Old leases still complete; the new claim takes every ready job exactly once.
        for jid, tok in running:
            sql("select conveyor.complete_job(%s, %s)", (jid, tok))
        ready = sql("select count(*) from conveyor.jobs where state = 'queued' and run_at <= now()").fetchone()[0]
        got: list[int] = []
        while rows := sql("select id, lease_token from conveyor.claim_batch('new', 7, array['up'])").fetchall():
            got += [r[0] for r in rows]
            ids, toks = zip(*rows, strict=True)
            sql("select count(*) from conveyor.complete_jobs(%s::bigint[], %s::uuid[])", (list(ids), list(toks)))
        assert len(got) == len(set(got)) == ready
        # Left: the scheduled and retrying jobs, due later, in the hot table.
        assert sql("select count(*) from conveyor.jobs").fetchone()[0] == 5 + len(failed)
        history = sql("select count(*), count(distinct id) from conveyor.job_history").fetchone()
        assert history == (5 + len(running) + ready, 5 + len(running) + ready)
        assert sql("select count(*) from conveyor.job_history_legacy").fetchone()[0] == history[0]
        assert sql("select count(*) from conveyor.dead_letters").fetchone()[0] == 3
