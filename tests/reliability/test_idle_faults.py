"""Faults against the wake-up handshake (conveyor.worker_idle / worker_busy, functions/core/0130-0136).

A pooler that hands a registered session to another client, a server restart while a
worker waits, many sessions registering at once, a producer transaction held open
while a worker goes idle: every job still runs exactly once, and a waiting worker is
still woken by NOTIFY, not only by its poll.
"""

from __future__ import annotations

import random
import signal
import threading

import psycopg
from reliability_kit import prepare, scalar, wait_for
from test_database_faults import assert_each_completed_once, drained, fill, own_cluster, pgbouncer  # noqa: F401

from pgconveyor.ops.migrate import migrate

REGISTERED = "select count(*) from pg_locks where locktype = 'advisory' and objid = 7311005 and granted"


def idle_workers(url: str) -> int:
    return scalar(url, "select last_value from conveyor.idle_workers")


def test_concurrent_registrations_keep_an_exact_count(rel_url):
    """Eight sessions registering and leaving at random: the count is always the number registered."""
    sessions = [psycopg.connect(rel_url, autocommit=True) for _ in range(8)]
    registered = [False] * len(sessions)
    errors: list[BaseException] = []

    def churn(i: int) -> None:
        rng = random.Random(i)
        try:
            for _ in range(150):
                if rng.random() < 0.5:
                    sessions[i].execute("select conveyor.worker_idle()")
                    registered[i] = True
                else:
                    sessions[i].execute("select conveyor.worker_busy()")
                    registered[i] = False
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        assert idle_workers(rel_url) == sum(registered)
        assert scalar(rel_url, REGISTERED) == sum(registered)
    finally:
        for s in sessions:
            s.close()
    # Every registered session ended without worker_busy: the next registration repairs the count.
    wait_for(lambda: scalar(rel_url, REGISTERED) == 0, what="the closed sessions' locks to go")
    with psycopg.connect(rel_url, autocommit=True) as conn:
        assert conn.execute("select conveyor.worker_idle()").fetchone()[0] is True
        assert idle_workers(rel_url) == 1
        conn.execute("select conveyor.worker_busy()")
    assert idle_workers(rel_url) == 0


def test_a_producer_held_open_never_blocks_other_producers(rel_url, workers):
    """The barrier only ever tries the gate: while one producer's transaction stays open and a
    worker waits behind it, other producers commit at once and their jobs run."""
    w = workers(rel_url, "--concurrency", "4", "--poll-interval", "120")
    with psycopg.connect(rel_url) as held:
        held.execute("select conveyor.enqueue('rel_work', '{}')")  # no worker idle yet: no NOTIFY
        wait_for(lambda: idle_workers(rel_url) == 1, what="the worker to register idle")
        with psycopg.connect(rel_url, autocommit=True) as other:
            other.execute("set statement_timeout = '5s'")  # a producer queued behind the gate would fail here
            for _ in range(5):
                other.execute("select conveyor.enqueue('rel_work', '{}')")
        wait_for(lambda: scalar(rel_url, "select count(*) from conveyor.job_history") == 5, what="the other jobs")
        assert scalar(rel_url, "select count(*) from conveyor.jobs") == 0, "the held job is not committed yet"
        held.commit()
    wait_for(lambda: drained(rel_url), what="the held producer's job, once it committed")
    assert_each_completed_once(rel_url, 6)
    w.signal(signal.SIGTERM)
    assert w.wait(60) == 0


def test_idle_workers_behind_a_transaction_pooler_still_run_every_job(rel_url, pgbouncer, workers):  # noqa: F811
    """LISTEN and session locks do not survive a transaction pooler; a worker started there
    without --no-listen registers on whatever server session it is handed. Wake-ups may
    then come only from the poll, but nothing is lost, run twice or refused."""
    port, user = pgbouncer
    dbname = psycopg.conninfo.conninfo_to_dict(rel_url)["dbname"]
    pooled = f"postgresql://{user}@127.0.0.1:{port}/{dbname}"
    ws = [workers(pooled, "--poll-interval", "0.3", "--concurrency", "4", db_url=rel_url) for _ in range(2)]
    total = 0
    for _ in range(4):  # waves: each finds the workers idle, registered on pooled sessions
        fill(rel_url, 25, '{"sleep": 0.002}')
        total += 25
        wait_for(lambda: drained(rel_url), timeout=120, what="the wave to drain")
    assert_each_completed_once(rel_url, total)
    for w in ws:
        w.signal(signal.SIGTERM)
        assert w.wait(60) == 0
        log = w.log()
        assert "ERROR" not in log and "Traceback" not in log, log[-2000:]


def test_a_server_restart_while_idle_ends_in_a_fresh_registration(own_cluster, workers):  # noqa: F811
    """The restart ends the worker's session and with it its registration; the count it left
    is stale. The worker must register again on its new session, or a repair would set the
    count to 0 while it waits on NOTIFY (here, with a 120 s poll, for two minutes)."""
    url = own_cluster.url()
    migrate(url)
    prepare(url)
    w = workers(url, "--poll-interval", "120")
    wait_for(lambda: scalar(url, REGISTERED) == 1, what="the worker to register idle")
    own_cluster.stop(mode="fast")
    wait_for(lambda: "database unreachable" in w.log(), what="the worker to notice")
    own_cluster.start()
    wait_for(lambda: scalar(url, REGISTERED) == 1, timeout=60, what="the worker to register on its new session")
    # Another session's registration repairs nothing now: the worker holds its own.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select conveyor.worker_idle()")
        conn.execute("select conveyor.worker_busy()")
    assert idle_workers(url) == 1
    fill(url, 1, "{}")
    wait_for(lambda: drained(url), timeout=60, what="the job, woken by NOTIFY well before the 120 s poll")
    w.signal(signal.SIGTERM)
    assert w.wait(60) == 0
