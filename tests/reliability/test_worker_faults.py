"""Items 2, 5, 6, 8 and 9: real worker processes killed, stopped and outrun by their own handlers."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time

import psycopg
import pytest
from reliability_kit import scalar, wait_for

from pgconveyor.core.registry import HandlerSpec
from pgconveyor.core.worker import Worker


def enqueue(url: str, payloads: list[dict], max_attempts: int | None = None) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [
            conn.execute(
                "select conveyor.enqueue('rel_work', %s::jsonb, p_max_attempts => %s)", (json.dumps(p), max_attempts)
            ).fetchone()[0]
            for p in payloads
        ]


def runs(url: str) -> int:
    return scalar(url, "select count(*) from public.rel_runs")


def drained(url: str) -> bool:
    return scalar(url, "select count(*) from conveyor.jobs") == 0


@pytest.mark.slow
def test_repeated_sigkill_mid_handler_loses_nothing(rel_url, workers):
    """Kill the worker six times while it holds jobs: each job still completes exactly once."""
    with psycopg.connect(rel_url, autocommit=True) as conn:
        conn.execute("select conveyor.register_job_type('rel_work', p_max_attempts => 50)")
    n = 60
    ids = enqueue(rel_url, [{"sleep": 0.5, "i": i} for i in range(n)])
    kills = 0
    for _ in range(6):
        seen = runs(rel_url)
        w = workers(rel_url, "--concurrency", "4", "--batch-size", "4", "--lease", "2")
        wait_for(lambda seen=seen: runs(rel_url) >= seen + 2, what="the worker to start handlers")
        w.kill()
        kills += 1
    workers(rel_url, "--concurrency", "4", "--batch-size", "4", "--lease", "2")
    wait_for(lambda: drained(rel_url), timeout=180, what="every job to finish")
    with psycopg.connect(rel_url, autocommit=True) as conn:
        history = conn.execute("select id, attempts from conveyor.job_history order by id").fetchall()
        assert [h[0] for h in history] == ids, "a job was lost or completed twice"
        assert conn.execute("select count(*) from conveyor.dead_letters").fetchone()[0] == 0
        retried = conn.execute("select count(*) from conveyor.job_history where attempts > 1").fetchone()[0]
        assert retried >= kills // 2, "the kills did not interrupt jobs"
        # At least once: every job ran; never more often than it was claimed.
        over = conn.execute(
            "select count(*) from conveyor.job_history h"
            " where (select count(*) from public.rel_runs r where r.job_id = h.id) not between 1 and h.attempts"
        ).fetchone()[0]
        assert over == 0


@pytest.mark.slow
@pytest.mark.parametrize("max_attempts", [1, 5])
def test_job_that_kills_its_worker_every_time_is_dead_lettered_once(rel_url, workers, max_attempts):
    [job_id] = enqueue(rel_url, [{"crash": -1}], max_attempts=max_attempts)
    [ok_id] = enqueue(rel_url, [{"i": 1}])
    violations: list[int] = []
    stop = threading.Event()

    def observe() -> None:
        # One statement, one snapshot: the job is in exactly one of the two tables.
        with psycopg.connect(rel_url, autocommit=True) as conn:
            while not stop.is_set():
                seen = conn.execute(
                    "select (select count(*) from conveyor.jobs where id = %(id)s)"
                    " + (select count(*) from conveyor.dead_letters where id = %(id)s)",
                    {"id": job_id},
                ).fetchone()[0]
                if seen != 1:
                    violations.append(seen)
                time.sleep(0.02)

    observer = threading.Thread(target=observe)
    observer.start()
    try:
        deadline = time.monotonic() + 30 * max_attempts + 30
        w = None
        while not scalar(rel_url, "select count(*) from conveyor.dead_letters where id = %s", (job_id,)):
            assert time.monotonic() < deadline, "the crashing job never reached the dead letters"
            if w is None or not w.alive():
                w = workers(
                    rel_url, "--concurrency", "1", "--batch-size", "1", "--lease", "1", "--poll-interval", "0.2"
                )
            time.sleep(0.1)
    finally:
        stop.set()
        observer.join()
    assert violations == []
    with psycopg.connect(rel_url, autocommit=True) as conn:
        dead = conn.execute(
            "select attempts, jsonb_array_length(errors), last_error, reason from conveyor.dead_letters"
        ).fetchall()
        assert len(dead) == 1
        attempts, n_errors, last_error, reason = dead[0]
        assert attempts == max_attempts and n_errors == max_attempts
        assert last_error.startswith("lease expired") and reason == "lease expired on the last attempt"
        assert conn.execute("select count(*) from conveyor.jobs where id = %s", (job_id,)).fetchone()[0] == 0
        ran = conn.execute("select count(*) from public.rel_runs where job_id = %s", (job_id,)).fetchone()[0]
        assert ran == max_attempts
        wait_for(lambda: drained(rel_url), what="the healthy job to complete")
        assert conn.execute("select count(*) from conveyor.job_history where id = %s", (ok_id,)).fetchone()[0] == 1


def test_completion_in_the_handlers_transaction(rel_url, workers):
    """Writes and completion commit together (never run again) or roll back together (retried, no write)."""
    good = enqueue(rel_url, [{"tx": True, "i": i} for i in range(20)])
    bad = enqueue(rel_url, [{"tx_raise": True}], max_attempts=2)
    w = workers(rel_url, "--concurrency", "4", "--poll-interval", "0.2")
    wait_for(lambda: drained(rel_url), what="every job to finish")
    w.signal(signal.SIGTERM)
    assert w.wait() == 0
    with psycopg.connect(rel_url, autocommit=True) as conn:
        effects = dict(conn.execute("select job_id, count(*) from public.rel_effects group by job_id").fetchall())
        assert effects == dict.fromkeys(good, 1)
        ran = dict(conn.execute("select job_id, count(*) from public.rel_runs group by job_id").fetchall())
        assert all(ran[j] == 1 for j in good), "a job completed in its transaction ran again"
        assert ran[bad[0]] == 2
        assert [r[0] for r in conn.execute("select id from conveyor.job_history order by id")] == good
        last = conn.execute("select last_error from conveyor.dead_letters where id = %s", (bad[0],)).fetchone()[0]
        assert "after completing in its transaction" in last


def test_completion_rolled_back_with_its_transaction_keeps_the_lease(rel_url):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        job_id = conn.execute("select conveyor.enqueue('rel_work')").fetchone()[0]
        token = conn.execute("select lease_token from conveyor.claim_batch('w', 1)").fetchone()[0]
        with psycopg.connect(rel_url) as tx:
            tx.execute("insert into public.rel_effects values (%s, 1)", (job_id,))
            tx.execute("select conveyor.complete_job(%s, %s)", (job_id, token))
            tx.rollback()
        assert conn.execute("select state from conveyor.jobs where id = %s", (job_id,)).fetchone()[0] == "running"
        assert conn.execute("select count(*) from public.rel_effects").fetchone()[0] == 0
        conn.execute("select conveyor.complete_job(%s, %s)", (job_id, token))


class SilentWorker(Worker):
    """A worker that never renews a lease: as if its event loop were blocked."""

    async def _extend(self, jobs):
        return None


def _spec() -> dict[str, HandlerSpec]:
    import rel_handlers

    return {"rel_work": HandlerSpec("rel_work", rel_handlers.rel_work, False)}


async def _run_until(url: str, workers: list[Worker], done) -> None:
    async def stop_when(_w: Worker) -> bool:
        return done()

    for w in workers:
        w.stop_when = stop_when
    await asyncio.wait_for(asyncio.gather(*(w.run() for w in workers)), 120)


@pytest.mark.slow
# In-process workers leave their async connections to the garbage collector when the
# test's event loop ends (the CLI exits instead): not what this test is about.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_handler_slower_than_its_lease(rel_url, monkeypatch):
    import rel_handlers

    monkeypatch.setenv("REL_DB_URL", rel_url)
    try:
        _slower_than_lease(rel_url)
    finally:
        rel_handlers.close_connections()


def _slower_than_lease(rel_url: str) -> None:
    # With heartbeats: a 9 s handler under a 3 s lease keeps its job; it runs once.
    [kept] = enqueue(rel_url, [{"sleep": 9}])
    w = Worker(rel_url, _spec(), lease=3, concurrency=2, poll_interval=0.2, install_signals=False, name="beating")
    asyncio.run(_run_until(rel_url, [w], lambda: drained(rel_url)))
    assert scalar(rel_url, "select count(*) from public.rel_runs where job_id = %s", (kept,)) == 1
    assert scalar(rel_url, "select attempts from conveyor.job_history where id = %s", (kept,)) == 1
    assert w.stats.completed == 1 and w.stats.lost_leases == 0

    # Without heartbeats: the job is rescued and run once more elsewhere (bounded
    # duplication); the silent worker's late completion is refused.
    [lost] = enqueue(rel_url, [{"hold_until_rerun": True}])
    silent = SilentWorker(rel_url, _spec(), lease=1, concurrency=1, poll_interval=0.2, install_signals=False, name="s")

    def runs_of_lost() -> int:
        return scalar(rel_url, "select count(*) from public.rel_runs where job_id = %s", (lost,))

    async def scenario() -> None:
        silent_task = asyncio.create_task(_run_until(rel_url, [silent], lambda: runs_of_lost() >= 1))
        await asyncio.to_thread(wait_for, runs_of_lost)
        other = Worker(rel_url, _spec(), lease=10, concurrency=1, poll_interval=0.2, install_signals=False, name="o")
        await _run_until(rel_url, [other], lambda: drained(rel_url) and silent.stats.stale == 1)
        await silent_task

    asyncio.run(scenario())
    assert scalar(rel_url, "select count(*) from public.rel_runs where job_id = %s", (lost,)) == 2
    assert scalar(rel_url, "select attempts from conveyor.job_history where id = %s", (lost,)) == 2
    assert silent.stats.stale == 1 and silent.stats.completed == 0


@pytest.mark.slow
def test_sigterm_with_a_full_batch_in_flight(rel_url, workers):
    quick = enqueue(rel_url, [{"sleep": 1.5, "i": i} for i in range(5)])
    slow = enqueue(rel_url, [{"sleep": 600, "i": i} for i in range(5)])
    w = workers(rel_url, "--concurrency", "10", "--batch-size", "10", "--grace", "5", "--lease", "30")
    wait_for(lambda: runs(rel_url) == 10, what="all ten handlers to start")
    started = time.monotonic()
    w.signal(signal.SIGTERM)
    rc = w.wait(timeout=60)
    took = time.monotonic() - started
    assert rc == 0, w.log()
    assert took < 5 + 15, f"exit took {took:.1f} s with a 5 s grace period"
    with psycopg.connect(rel_url, autocommit=True) as conn:
        assert [r[0] for r in conn.execute("select id from conveyor.job_history order by id")] == quick
        back = conn.execute("select id, state, attempts, lease_token from conveyor.jobs order by id").fetchall()
        assert back == [(j, "queued", 0, None) for j in slow], "unfinished jobs were not handed back unrun"
    assert "unfinished jobs handed back" in w.log()
