"""Wake-ups that do not serialise commits: producers NOTIFY only while a worker waits for one.

The handshake (functions/core/0130, 0135, 0136): a producer holds the gate lock
shared to its commit and sends NOTIFY only while conveyor.idle_workers > 0; a worker
registers (worker_idle), passes the barrier once no producer that may have skipped
its NOTIFY is in flight, claims once more, and only then waits. Each test drives
that with several real sessions, or a real worker process, and checks that no job
waits for a poll it would not have waited for before.
"""

from __future__ import annotations

import signal
from typing import Any

import psycopg
import pytest
from runner_helpers import prepare, scalar, start_worker, wait_for


def idle_workers(conn: psycopg.Connection[Any]) -> int:
    return scalar(conn, "select last_value from conveyor.idle_workers")


def completed(conn: psycopg.Connection[Any], job_id: int) -> bool:
    return bool(scalar(conn, "select count(*) from conveyor.job_history where id = %s", (job_id,)))


def received(listener: psycopg.Connection[Any]) -> list[str]:
    """The payload of the next notification on the listener (waits for it)."""
    return [n.payload for n in listener.notifies(timeout=30, stop_after=1)]


@pytest.fixture
def sessions(db_url: str, conn: psycopg.Connection[Any]):
    prepare(conn)
    opened = [psycopg.connect(db_url, autocommit=True) for _ in range(3)]
    listener, producer, worker = opened
    listener.execute("listen conveyor_jobs")
    try:
        yield listener, producer, worker
    finally:
        for c in opened:
            c.close()


def test_producers_notify_only_while_a_worker_is_registered(sessions):
    listener, producer, worker = sessions
    producer.execute("select conveyor.enqueue('t_fail')")  # nobody idle: no NOTIFY
    assert scalar(worker, "select conveyor.worker_idle()") is True
    producer.execute("select conveyor.enqueue('t_record')")
    # Notifications arrive in commit order: had the first enqueue sent one, it would come first.
    assert received(listener) == ["t_record"]

    worker.execute("select conveyor.worker_busy()")
    producer.execute("select conveyor.enqueue('t_fail')")  # nobody idle again
    assert scalar(worker, "select conveyor.worker_idle()") is True
    producer.execute("select conveyor.enqueue('t_record')")
    assert received(listener) == ["t_record"]


def test_the_barrier_waits_for_a_producer_that_skipped_its_notify(sessions):
    _listener, producer, worker = sessions
    with producer.transaction():
        job = scalar(producer, "select conveyor.enqueue('t_record')")  # read 0: no NOTIFY
        assert scalar(worker, "select conveyor.worker_idle()") is False, "the barrier let a producer in flight by"
        assert scalar(worker, "select count(*) from conveyor.claim_batch('w', 10, array['t_record'])") == 0
    assert scalar(worker, "select conveyor.worker_idle()") is True
    claimed = worker.execute("select id from conveyor.claim_batch('w', 10, array['t_record'])").fetchall()
    assert claimed == [(job,)], "the claim after the barrier must see the job nobody notified"


def test_a_producer_notifies_a_worker_registered_after_its_snapshot(sessions):
    # The count is a sequence, read outside the transaction's snapshot: a REPEATABLE
    # READ producer whose snapshot predates the registration still sends its NOTIFY.
    listener, producer, worker = sessions
    producer.execute("begin isolation level repeatable read")
    producer.execute("select count(*) from conveyor.jobs")  # the snapshot is taken here
    assert scalar(worker, "select conveyor.worker_idle()") is True
    producer.execute("select conveyor.enqueue('t_fail')")
    producer.execute("commit")
    assert received(listener) == ["t_fail"]


def test_a_worker_finds_the_job_of_a_producer_in_flight_when_it_went_idle(db_url, conn, tmp_path):
    """The lost wake-up: the job commits after the worker's last claim, with no NOTIFY."""
    prepare(conn)
    with psycopg.connect(db_url) as producer:  # a transaction left open
        job = scalar(producer, "select conveyor.enqueue('t_record')")  # no worker idle: no NOTIFY
        # A 120 s poll: only the barrier's short polls can find the job in time.
        worker = start_worker(db_url, tmp_path / "w.log", "--poll-interval", "120")
        try:
            wait_for(lambda: idle_workers(conn) == 1, what="the worker to register idle")
            producer.commit()
            wait_for(lambda: completed(conn, job), timeout=60, what="the job committed behind the barrier")
        finally:
            assert worker.stop() == 0, worker.log()
    assert idle_workers(conn) == 0, "a worker that stops ends its registration"


def test_a_worker_killed_while_idle_leaves_a_count_the_next_one_repairs(db_url, conn, tmp_path):
    prepare(conn)
    first = start_worker(db_url, tmp_path / "first.log", "--poll-interval", "120")
    wait_for(lambda: idle_workers(conn) == 1, what="the first worker to register idle")
    first.popen.send_signal(signal.SIGKILL)
    first.kill()
    wait_for(
        lambda: not scalar(conn, "select count(*) from pg_locks where locktype = 'advisory' and objid = 7311005"),
        what="the killed worker's sessions to end",
    )
    assert idle_workers(conn) == 1, "the dead worker's count is still there"
    second = start_worker(db_url, tmp_path / "second.log", "--poll-interval", "120")
    try:
        wait_for(
            lambda: scalar(conn, "select count(*) from pg_locks where locktype = 'advisory' and objid = 7311005"),
            what="the second worker to register",
        )
        assert idle_workers(conn) == 1, "the second registration repaired the dead one's count"
        job = scalar(conn, "select conveyor.enqueue('t_record')")
        wait_for(lambda: completed(conn, job), timeout=60, what="a job woken by NOTIFY")
    finally:
        assert second.stop() == 0, second.log()


def test_a_worker_draining_a_backlog_is_not_registered(db_url, conn, tmp_path):
    """While claims come back full the worker is busy: producers send no NOTIFY."""
    prepare(conn)
    batch = 10
    conn.execute(
        "select conveyor.enqueue_batch(jsonb_agg(jsonb_build_object('payload', '{}'::jsonb)), 't_record')"
        " from generate_series(1, 3000)"
    )
    queued = "select count(*) from conveyor.jobs where state = 'queued'"
    worker = start_worker(db_url, tmp_path / "w.log", "--batch-size", str(batch), "--concurrency", str(batch))
    samples = []
    try:
        while True:
            # The count first, then the backlog: a registration needs a short claim, and
            # nothing is enqueued here, so a registered worker implies a backlog below a batch.
            registered = idle_workers(conn)
            backlog = scalar(conn, queued)
            samples.append((registered, backlog))
            if backlog == 0:
                break
        wait_for(lambda: idle_workers(conn) == 1, what="the worker to register once the backlog is gone")
    finally:
        assert worker.stop() == 0, worker.log()
    during = [registered for registered, backlog in samples if backlog >= batch]
    assert len(during) >= 3, f"too few samples during the drain to judge: {samples[:5]}"
    assert set(during) == {0}, f"registered while a backlog was waiting: {samples}"


def test_a_worker_whose_unregistration_fails_keeps_working(db_url, conn, tmp_path):
    """worker_busy refused (here: replaced by one that raises) costs NOTIFYs, never the worker."""
    prepare(conn)
    conn.execute(
        """
        create or replace function conveyor.worker_busy() returns void language plpgsql set search_path = '' as $$
        begin
            raise exception 'worker_busy refused for the test' using errcode = '55000';
        end;
        $$
        """
    )
    worker = start_worker(db_url, tmp_path / "w.log", "--batch-size", "5", "--concurrency", "5")
    try:
        wait_for(lambda: idle_workers(conn) == 1, what="the worker to register idle")
        # A backlog of full batches: the worker tries to end its registration and is refused.
        conn.execute(
            "select conveyor.enqueue_batch(jsonb_agg(jsonb_build_object('payload', '{}'::jsonb)), 't_record')"
            " from generate_series(1, 200)"
        )
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.job_history where job_type = 't_record'") == 200,
            what="every job to complete",
        )
        assert worker.alive(), worker.log()
        assert "could not end the idle registration" in worker.log()
    finally:
        assert worker.stop() == 0, worker.log()


def test_a_worker_on_a_database_before_0710_waits_on_notify_as_before(db_url, conn, tmp_path):
    """A newer runner against the older SQL (no worker_idle; _notify on every due job): it
    says so once, stops trying to register, and is woken by NOTIFY, not by its 120 s poll."""
    prepare(conn)
    conn.execute("drop function conveyor.worker_idle()")
    conn.execute(
        """
        create or replace function conveyor._notify(p_job_type text) returns void language plpgsql
        set search_path = '' as $$
        begin
            perform pg_catalog.pg_notify('conveyor_jobs', p_job_type);
        end;
        $$
        """
    )
    worker = start_worker(db_url, tmp_path / "w.log", "--poll-interval", "120")
    try:
        wait_for(lambda: "no conveyor.worker_idle" in worker.log(), what="the worker to find no worker_idle")
        for _ in range(3):
            job = scalar(conn, "select conveyor.enqueue('t_record')")
            wait_for(lambda job=job: completed(conn, job), timeout=60, what="a job woken by NOTIFY")
        assert worker.log().count("no conveyor.worker_idle") == 1, worker.log()
    finally:
        assert worker.stop() == 0, worker.log()
