"""A database at the landed release, with work in every state, upgrades with today's migrate and loses nothing.

Users already run the release (commit RELEASE). This test installs that release
exactly as its own ``migrate`` did (the release's code, taken from git history and
run in a subprocess), fills it through the release's SQL API with a job in every
state (queued, scheduled, running, retrying, dead, completed, and pgmq messages
waiting and dead), then runs today's ``migrate`` and checks, through today's API,
that every job is still there exactly once, in the same state, and still usable:
the running job's lease token completes it, the ready ones are claimed, the dead
one can be requeued, and nothing runs twice.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import create_database, drop_database
from schema_snapshot import snapshot

from pgconveyor.core.config import PROJECT_ROOT
from pgconveyor.ops.migrate import migrate

EXPECTED = PROJECT_ROOT / "tests" / "expected_schema.txt"

# The last landed release: the commit users run (issues 2-5). Bump it at each release.
RELEASE = "2612b8ed02ed0b18f2d1b53997df1448c492bfaf"

pytestmark = pytest.mark.slow


def _release_commit() -> str:
    """RELEASE, or a failure saying the clone lacks the history the test needs."""
    found = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--verify", "--quiet", f"{RELEASE}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        pytest.fail(f"the release commit {RELEASE[:10]} is not in this clone: the upgrade test needs the git history")
    return found.stdout.strip()


@pytest.fixture(scope="module")
def release_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release's migrations, functions, cron and runner, unpacked from git."""
    commit = _release_commit()
    paths = ["migrations", "functions", "cron", "runner"]
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", commit, *paths],
        capture_output=True,
        check=True,
    ).stdout
    root = tmp_path_factory.mktemp("release")
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    return root


def _migrate_with_release(tree: Path, url: str) -> None:
    """Run the release's own migrate (its package was called ``runner``) against url."""
    code = "import sys; from runner.migrate import migrate; migrate(sys.argv[1], install_pgmq=True)"
    env = {"PYTHONPATH": str(tree), "CONVEYOR_HOME": str(tree), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code, url], cwd=tree, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"the release's migrate failed:\n{done.stderr}"


def _one(conn: psycopg.Connection[Any], sql: str, params: Any = None) -> Any:
    return conn.execute(sql, params).fetchone()[0]


def _claim(conn: psycopg.Connection[Any], job_type: str, n: int = 10) -> list[tuple[int, uuid.UUID]]:
    rows = conn.execute(
        "select id, lease_token from conveyor.claim_batch('upgrade-test', %s, array[%s])", (n, job_type)
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _populate(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """A job in every state, through the release's API; returns their ids (and the running lease)."""
    conn.execute("select conveyor.register_job_type('upgrade_work', p_max_attempts => 3, p_lease => '1 hour')")
    conn.execute("select conveyor.register_job_type('upgrade_other', p_max_attempts => 3, p_lease => '1 hour')")
    ids: dict[str, Any] = {}
    enqueue = "select conveyor.enqueue(%s, %s::jsonb, p_delay => %s::interval, p_dedup_key => %s, p_max_attempts => %s)"

    # running: claimed, lease held by a worker that is still alive.
    ids["running"] = _one(conn, enqueue, ("upgrade_work", '{"s": "running"}', None, None, None))
    [(running_id, token)] = _claim(conn, "upgrade_work")
    assert running_id == ids["running"]
    ids["running_token"] = token
    # completed: claimed and completed.
    ids["completed"] = _one(conn, enqueue, ("upgrade_work", '{"s": "completed"}', None, None, None))
    [(cid, ctoken)] = _claim(conn, "upgrade_work")
    conn.execute("select conveyor.complete_job(%s, %s)", (cid, ctoken))
    # retrying: failed once, waiting for its retry an hour from now.
    ids["retrying"] = _one(conn, enqueue, ("upgrade_work", '{"s": "retrying"}', None, None, None))
    [(rid, rtoken)] = _claim(conn, "upgrade_work")
    conn.execute("select conveyor.fail_job(%s, %s, 'boom 1', interval '1 hour')", (rid, rtoken))
    # dead: one attempt allowed, failed.
    ids["dead"] = _one(conn, enqueue, ("upgrade_work", '{"s": "dead"}', None, "dead-key", 1))
    [(did, dtoken)] = _claim(conn, "upgrade_work")
    conn.execute("select conveyor.fail_job(%s, %s, 'fatal')", (did, dtoken))
    # queued (ready), with a dedup key; and scheduled for later.
    ids["queued"] = _one(conn, enqueue, ("upgrade_work", '{"s": "queued"}', None, "live-key", None))
    ids["scheduled"] = _one(conn, enqueue, ("upgrade_work", '{"s": "scheduled"}', "2 hours", None, None))
    ids["queued_other"] = _one(conn, enqueue, ("upgrade_other", '{"s": "other"}', None, None, None))

    # pgmq: one message waiting in alert_jobs, one already in its dead-letter queue.
    ids["pgmq_waiting"] = _one(conn, "select pgmq.send('alert_jobs', %s::jsonb)", ('{"job_type": "alert", "n": 1}',))
    ids["pgmq_dead"] = _one(conn, "select pgmq.send('alert_jobs_dlq', %s::jsonb)", ('{"job_type": "alert", "n": 2}',))
    return ids


def _where_is(conn: psycopg.Connection[Any], job_id: int) -> list[str]:
    """Every place the job's id stands: a list of one element unless something was duplicated or lost."""
    places = []
    for state in conn.execute("select state::text from conveyor.jobs where id = %s", (job_id,)):
        places.append(state[0])
    if _one(conn, "select count(*) from conveyor.job_history where id = %s", (job_id,)):
        places.append("completed")
    if _one(conn, "select count(*) from conveyor.dead_letters where id = %s", (job_id,)):
        places.append("dead")
    return places


def test_release_database_upgrades_with_every_job_in_place(admin_url: str, release_tree: Path) -> None:
    name = f"conveyor_upg_{uuid.uuid4().hex[:10]}"
    url = create_database(admin_url, name)
    try:
        _migrate_with_release(release_tree, url)
        with psycopg.connect(url, autocommit=True) as conn:
            ids = _populate(conn)
            before = {k: _where_is(conn, v) for k, v in ids.items() if k not in ("running_token",) and "pgmq" not in k}

        migrate(url, install_pgmq=True)

        with psycopg.connect(url, autocommit=True) as conn:
            after = {k: _where_is(conn, ids[k]) for k in before}
            assert after == before, "a job changed place, was lost or duplicated by the upgrade"
            assert before == {
                "running": ["running"],
                "completed": ["completed"],
                "retrying": ["queued"],
                "dead": ["dead"],
                "queued": ["queued"],
                "scheduled": ["queued"],
                "queued_other": ["queued"],
            }

            # The release's lease still fences: the old token completes the running job, once.
            conn.execute("select conveyor.complete_job(%s, %s)", (ids["running"], ids["running_token"]))
            assert _where_is(conn, ids["running"]) == ["completed"]
            with pytest.raises(psycopg.Error) as stale:
                conn.execute("select conveyor.complete_job(%s, %s)", (ids["running"], ids["running_token"]))
            assert stale.value.sqlstate == "CV001"

            # Only the due jobs are claimable; the retrying and scheduled ones wait for their time.
            claimed = dict(_claim(conn, "upgrade_work"))
            assert set(claimed) == {ids["queued"]}
            # The dedup key of the live job still holds.
            again = _one(conn, "select conveyor.enqueue('upgrade_work', '{}', p_dedup_key => 'live-key')")
            assert again == ids["queued"]
            conn.execute("select conveyor.complete_job(%s, %s)", (ids["queued"], claimed[ids["queued"]]))
            assert [i for i, _ in _claim(conn, "upgrade_other")] == [ids["queued_other"]]

            # The dead job keeps its error and can be requeued with fresh attempts.
            assert "fatal" in _one(conn, "select last_error from conveyor.dead_letters where id = %s", (ids["dead"],))
            conn.execute("select conveyor.requeue_dead(%s)", (ids["dead"],))
            assert _where_is(conn, ids["dead"]) == ["queued"]
            assert [i for i, _ in _claim(conn, "upgrade_work")] == [ids["dead"]]

            # pgmq: the waiting message is still readable, the dead one still in its DLQ.
            read = conn.execute("select msg_id from conveyor.pgmq_read('alert_jobs', 10, 30)").fetchall()
            assert [r[0] for r in read] == [ids["pgmq_waiting"]]
            assert _one(conn, "select count(*) from pgmq.q_alert_jobs_dlq where msg_id = %s", (ids["pgmq_dead"],)) == 1

        # A second migrate changes nothing more.
        assert migrate(url, install_pgmq=True).applied_migrations == []
    finally:
        drop_database(admin_url, name)


def _fill_busy(conn: psycopg.Connection[Any]) -> None:
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


BUSY_STATE = """
select
    (select jsonb_agg(jsonb_build_array(id, state, attempts, dedup_key, jsonb_array_length(errors)) order by id)
     from conveyor.jobs),
    (select jsonb_agg(jsonb_build_array(id, reason) order by id) from conveyor.dead_letters),
    (select jsonb_agg(jsonb_build_array(id, job_type) order by id) from conveyor.job_history),
    (select jsonb_agg(jsonb_build_array(msg_id, read_ct, message) order by msg_id) from pgmq.q_alert_jobs),
    (select jsonb_agg(jsonb_build_array(id, event_id, sent_at) order by id) from conveyor.inngest_outbox),
    (select count(*) from conveyor.schedule_runs)
"""


def test_busy_release_database_keeps_pgmq_outbox_and_schedule_rows(admin_url: str, release_tree: Path) -> None:
    """pgmq messages, outbox rows and schedule runs made by the release survive the upgrade and work after it."""
    name = f"conveyor_upg_{uuid.uuid4().hex[:10]}"
    url = create_database(admin_url, name)
    try:
        _migrate_with_release(release_tree, url)
        with psycopg.connect(url, autocommit=True) as conn:
            _fill_busy(conn)
            before = conn.execute(BUSY_STATE).fetchone()
        assert len(before[0]) == 8 and len(before[1]) == 1 and len(before[2]) == 1 and len(before[3]) == 3

        migrate(url, install_pgmq=True)
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute(BUSY_STATE).fetchone() == before, "nothing lost, duplicated or changed"
            assert conn.execute("select outcome, queue from conveyor.job_history").fetchall() == [("completed", None)]
            # The old rows work with the new functions: the waiting messages are read, a running job completes.
            read = conn.execute("select job_id, read_ct from conveyor.pgmq_read('alert_jobs', 10, 30)").fetchall()
            assert len(read) == 2 and {ct for _, ct in read} == {1}
            running = conn.execute("select id, lease_token from conveyor.jobs where state = 'running'").fetchone()
            conn.execute("select conveyor.complete_job(%s, %s)", running)
            assert conn.execute("select conveyor.run_schedule('risk_check')").fetchone()[0] is not None
            assert conn.execute("select conveyor.health() ->> 'status'").fetchone()[0] in ("healthy", "degraded")
            assert conn.execute("select count(*) from conveyor.dlq_triage()").fetchone()[0] == 1
            assert snapshot(conn) == EXPECTED.read_text().split("\n", 3)[3]
    finally:
        drop_database(admin_url, name)
