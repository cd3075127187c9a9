"""Items 7, 10, 11 and 12: the server goes away, a pooler sits in between, old or strict transactions."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from reliability_kit import prepare, scalar, wait_for

from pgconveyor.ops.cluster import Cluster
from pgconveyor.ops.doctor import diagnose
from pgconveyor.ops.migrate import migrate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(url: str, n: int, payload: str = '{"sleep": 0.01}') -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "select count(*) from conveyor.enqueue_batch("
            "(select jsonb_agg(jsonb_build_object('payload', %s::jsonb)) from generate_series(1, %s::int)),"
            " 'rel_work')",
            (payload, n),
        )


DOCTOR_DEFAULTS = {"expired_grace": 60.0, "cron_history_mb": 100.0, "cron_history_days": 30.0}


def drained(url: str) -> bool:
    return scalar(url, "select count(*) from conveyor.jobs") == 0


def assert_each_completed_once(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select count(*), count(distinct id) from conveyor.job_history").fetchone() == (n, n)
        assert conn.execute("select count(*) from conveyor.dead_letters").fetchone()[0] == 0


@pytest.mark.slow
def test_terminated_backends_under_load(rel_url, workers):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        conn.execute("select conveyor.register_job_type('rel_work', p_max_attempts => 50)")
    n = 400
    fill(rel_url, n)
    w = workers(rel_url, "--concurrency", "8", "--lease", "2", "--poll-interval", "0.2")
    killed = 0
    with psycopg.connect(rel_url, autocommit=True) as admin:
        for _ in range(5):
            seen = scalar(rel_url, "select count(*) from public.rel_runs")
            wait_for(lambda seen=seen: scalar(rel_url, "select count(*) from public.rel_runs") >= seen + 30)
            # Only the runner's connections (the ledger's have no application_name).
            killed += admin.execute(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
                " where datname = current_database() and application_name = 'conveyor') t"
            ).fetchone()[0]
    wait_for(lambda: drained(rel_url), timeout=180, what="every job to finish")
    assert w.alive(), "the worker died instead of reconnecting"
    assert killed >= 5
    assert_each_completed_once(rel_url, n)
    log = w.log()
    assert "database reachable again" in log
    # Logged once per outage and connection, not once per retry.
    assert log.count("database unreachable") <= 3 * 5


@pytest.fixture
def own_cluster() -> Cluster:
    # The postgres user must reach the folder: pytest's tmp_path is private to root.
    base = Path(tempfile.mkdtemp(prefix="conveyor-restart-"))
    os.chmod(base, 0o755)
    cluster = Cluster(base=base, port=free_port())
    cluster.start()
    yield cluster
    try:
        cluster.stop(mode="immediate")
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_full_server_restart_under_load(own_cluster, workers):
    url = own_cluster.url()
    migrate(url)
    prepare(url)
    with psycopg.connect(url, autocommit=True) as conn:
        # Each lease that runs out across a restart is a failed attempt, and attempts back
        # off exponentially: a short cap keeps a job that lost several leases on a slow
        # machine from waiting minutes for its retry. This test is about restarts.
        conn.execute(
            "select conveyor.register_job_type('rel_work', p_max_attempts => 50,"
            " p_backoff_base => interval '100 milliseconds', p_backoff_cap => interval '1 second')"
        )
    n = 300
    fill(url, n)
    w = workers(url, "--concurrency", "8", "--lease", "2", "--poll-interval", "0.2")
    for mode in ("fast", "immediate"):
        seen = scalar(url, "select count(*) from public.rel_runs")
        wait_for(lambda seen=seen: scalar(url, "select count(*) from public.rel_runs") >= seen + 40)
        own_cluster.stop(mode=mode)
        wait_for(lambda: "database unreachable" in w.log(), what="the worker to notice")
        own_cluster.start()
    try:
        wait_for(lambda: drained(url), timeout=180, what="every job to finish after the restarts")
    except AssertionError as exc:
        with psycopg.connect(url, autocommit=True) as conn:
            left = conn.execute(
                "select id, state, attempts, run_at - now(), locked_until - now()"
                " from conveyor.jobs order by id limit 20"
            ).fetchall()
        raise AssertionError(f"{exc}; jobs left: {left}; worker log ends:\n{w.log()[-3000:]}") from exc
    assert w.alive()
    assert_each_completed_once(url, n)
    assert "database reachable again" in w.log()


PGBOUNCER_INI = """
[databases]
* = host=127.0.0.1 port={server_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 100
ignore_startup_parameters = extra_float_digits,options
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


@pytest.fixture
def pgbouncer(admin_url):
    exe = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(exe).exists():
        pytest.fail("pgbouncer is not installed: run scripts/bootstrap.sh (it installs Debian's pgbouncer)")
    folder = Path(tempfile.mkdtemp(prefix="conveyor-pgbouncer-"))
    os.chmod(folder, 0o755)
    user = psycopg.conninfo.conninfo_to_dict(admin_url).get("user", "postgres")
    port = free_port()
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    server_port = psycopg.conninfo.conninfo_to_dict(admin_url).get("port", "5432")
    (folder / "pgbouncer.ini").write_text(PGBOUNCER_INI.format(server_port=server_port, port=port, dir=folder))
    cmd = [exe, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        shutil.chown(folder, "postgres")
        for f in folder.iterdir():
            shutil.chown(f, "postgres")
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def up() -> bool:
        try:
            psycopg.connect(f"postgresql://{user}@127.0.0.1:{port}/postgres", connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    wait_for(up, timeout=30, what="pgbouncer to listen")
    yield port, user
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_behind_pgbouncer_in_transaction_mode(rel_url, pgbouncer, workers):
    port, user = pgbouncer
    dbname = psycopg.conninfo.conninfo_to_dict(rel_url)["dbname"]
    pooled = f"postgresql://{user}@127.0.0.1:{port}/{dbname}"
    with psycopg.connect(rel_url, autocommit=True) as conn:
        conn.execute("select conveyor.register_job_type('rel_work', p_max_attempts => 3)")
    fill(rel_url, 200, '{"sleep": 0.005, "fail_p": 0.2}')
    ws = [
        workers(pooled, "--no-listen", "--poll-interval", "0.2", "--concurrency", "6", db_url=rel_url) for _ in range(2)
    ]
    wait_for(lambda: drained(rel_url), timeout=180, what="every job to be found by polling")
    # Jobs enqueued later are found by polling alone: nothing listens.
    fill(rel_url, 20)
    wait_for(lambda: drained(rel_url), timeout=60, what="late jobs to be found by polling")
    for w in ws:
        w.signal(signal.SIGTERM)
        assert w.wait(60) == 0
        log = w.log()
        assert "prepared statement" not in log and "ERROR" not in log, log[-2000:]
    with psycopg.connect(rel_url, autocommit=True) as conn:
        done = conn.execute("select count(*) from conveyor.job_history").fetchone()[0]
        dead = conn.execute("select count(*) from conveyor.dead_letters").fetchone()[0]
    assert done + dead == 220 and dead < 20


def test_old_transaction_does_not_disturb_claims(rel_url):
    """A repeatable-read transaction holds its snapshot (and vacuum's horizon) while 1,000 jobs go through."""
    with psycopg.connect(rel_url) as old, psycopg.connect(rel_url, autocommit=True) as conn:
        old.execute("begin isolation level repeatable read")
        old.execute("select count(*) from conveyor.jobs")
        fill(rel_url, 1000)
        done = 0
        while rows := conn.execute("select id, lease_token from conveyor.claim_batch('w', 100)").fetchall():
            done += len(
                conn.execute(
                    "select conveyor.complete_jobs(%s, %s)", ([r[0] for r in rows], [r[1] for r in rows])
                ).fetchall()
            )
        assert done == 1000
        conn.execute("vacuum conveyor.jobs")

        def held_back() -> int:
            return conn.execute(
                "select n_dead_tup from pg_stat_user_tables where relid = 'conveyor.jobs'::regclass"
            ).fetchone()[0]

        # Vacuum could not remove the finished jobs' row versions: the old snapshot may still see them.
        wait_for(lambda: held_back() >= 1000, timeout=30, what="vacuum to report the rows it could not remove")
        assert old.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0  # its snapshot predates them
        # The doctor names it (any open transaction counts with a 0 s threshold).
        findings = diagnose(rel_url, argparse.Namespace(**DOCTOR_DEFAULTS, url=rel_url, old_xact_seconds=0))
        assert any(f.check == "transactions" and f.level == "problem" for f in findings)
        # So does conveyor.health(), once the transaction is older than health_old_xact_max.
        old_pid = old.info.backend_pid
        conn.execute("select conveyor.set_setting('health_old_xact_max', '1 second')")
        conn.execute("update conveyor.schedules set enabled = false")  # pg_cron does not run them here

        def old_xact_problem() -> dict | None:
            health = conn.execute("select conveyor.health()").fetchone()[0]
            found = [p for p in health["problems"] if p["check"] == "old_transaction"]
            return {**found[0], "status": health["status"]} if found else None

        problem = wait_for(old_xact_problem, timeout=30, what="health to report the old transaction")
        # health() feeds the unauthenticated probe: it counts, but never names another session.
        assert problem["status"] == "degraded" and "pid" not in problem
        assert str(old_pid) not in problem["reason"] and "pg_terminate_backend" in problem["recommendation"]
        old.rollback()
        wait_for(lambda: old_xact_problem() is None, timeout=30, what="health to stop reporting it once it ended")
    assert_each_completed_once(rel_url, 1000)


@pytest.mark.parametrize("level", ["repeatable read", "serializable"])
def test_strict_isolation_caller_gets_a_clear_retryable_error(rel_url, level):
    with psycopg.connect(rel_url) as a, psycopg.connect(rel_url, autocommit=True) as b:
        fill(rel_url, 2)
        a.execute(f"begin isolation level {level}")
        a.execute("select count(*) from conveyor.jobs")  # the snapshot is taken here
        [(first, _)] = b.execute("select id, lease_token from conveyor.claim_batch('b', 1)").fetchall()
        with pytest.raises(psycopg.Error) as err:
            a.execute("select id from conveyor.claim_batch('a', 2)").fetchall()
        assert err.value.sqlstate == "40001"
        a.rollback()
        a.autocommit = True
        [(second,)] = a.execute("select id from conveyor.claim_batch('a', 2)").fetchall()
        assert second != first


@pytest.mark.slow
def test_workers_under_default_serializable_isolation(rel_url, workers):
    """A database whose default isolation is serializable: every call may fail with 40001 and is retried."""
    opts = "options=-c%20default_transaction_isolation%3Dserializable"
    url = f"{rel_url}?{opts}"
    fill(rel_url, 300)
    ws = [workers(url, "--concurrency", "6", "--batch-size", "5", "--poll-interval", "0.2") for _ in range(2)]
    wait_for(lambda: drained(rel_url), timeout=180, what="every job to finish")
    assert all(w.alive() for w in ws)
    assert_each_completed_once(rel_url, 300)


@pytest.mark.slow
def test_statement_timeout_never_silently_stops_a_worker(rel_url, workers):
    url = f"{rel_url}?options=-c%20statement_timeout%3D300"
    fill(rel_url, 20)
    with psycopg.connect(rel_url) as locker:
        locker.execute("lock table conveyor.jobs in access exclusive mode")
        w = workers(url, "--poll-interval", "0.2")
        wait_for(lambda: "sqlstate=57014" in w.log(), timeout=60, what="the worker to hit statement_timeout")
        locker.rollback()
    wait_for(lambda: drained(rel_url), timeout=90, what="the worker to carry on after the lock")
    assert w.alive()
    assert_each_completed_once(rel_url, 20)
