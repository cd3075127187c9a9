"""Issue 8, the five ways the runner's bookkeeping stranded or wrongly buried jobs.

Each test runs a real worker (in this process, on its own connections) against the
test database and steers the race it needs from inside its handlers, waiting on
conditions in the database, never on the clock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from pgconveyor.core.models import Job, Retry
from pgconveyor.core.registry import HandlerSpec
from pgconveyor.core.worker import Worker

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

DEADLINE = 20.0


def _sql(url: str, sql: str, params: Any = None) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        return row[0] if row else None


async def _asql(url: str, sql: str, params: Any = None) -> Any:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cur = await conn.execute(sql, params)
        row = await cur.fetchone() if cur.description else None
        return row[0] if row else None


async def _until(condition: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _register(url: str, job_type: str, lease: str = "30 seconds", max_attempts: int = 5) -> None:
    _sql(
        url,
        "select conveyor.register_job_type(%s, p_lease => %s::interval, p_max_attempts => %s,"
        " p_backoff_base => '0.1 seconds', p_backoff_cap => '0.2 seconds')",
        (job_type, lease, max_attempts),
    )


def _worker(url: str, handlers: dict[str, Any], **kw: Any) -> Worker:
    specs = {t: HandlerSpec(t, f, asyncio.iscoroutinefunction(f)) for t, f in handlers.items()}
    kw.setdefault("poll_interval", 0.05)
    kw.setdefault("concurrency", 4)
    kw.setdefault("batch_size", 1)
    return Worker(url, specs, install_signals=False, listen=False, name=kw.pop("name", "defects"), **kw)


async def _run(worker: Worker, done: Callable[[], Any]) -> None:
    async def stop_when(_w: Worker) -> bool:
        return bool(await done())

    worker.stop_when = stop_when
    try:
        await asyncio.wait_for(worker.run(), DEADLINE * 2)
    except TimeoutError:
        print("jobs:", await _asql(worker.url, "select json_agg(j) from conveyor.jobs as j"))
        print("dead:", await _asql(worker.url, "select json_agg(d) from conveyor.dead_letters as d"))
        raise


def test_same_job_claimed_again_by_the_same_worker_keeps_both_leases_apart(db_url):
    """Defect 1: the old run's report must not drop the new run's lease (bookkeeping by id+token)."""
    _register(db_url, "d_twice", lease="2 seconds")
    job_id = _sql(db_url, "select conveyor.enqueue('d_twice', '{}')")
    second_started = asyncio.Event()
    old_reported = asyncio.Event()
    seen: dict[str, Any] = {}
    worker: Worker | None = None

    async def handler(job: Job) -> None:
        assert worker is not None
        if job.attempt == 1:
            # As if this run outlived its lease: it runs out, and the claim loop rescues
            # the job and claims it again, into this same worker.
            await _asql(
                db_url, "update conveyor.jobs set locked_until = now() - interval '1 second' where id = %s", (job_id,)
            )
            await asyncio.wait_for(second_started.wait(), DEADLINE)
            return  # its completion is refused: the job is someone else's now
        second_started.set()
        await _until(lambda: _stale(worker), "the first run's refused completion")
        old_reported.set()
        # The second lease must still be renewed after the old report: wait for two renewals.
        first = await _asql(db_url, "select locked_until from conveyor.jobs where id = %s", (job_id,))
        seen["renewed"] = await _until(
            lambda: _asql(
                db_url,
                "select locked_until > %s + interval '1 second' from conveyor.jobs where id = %s",
                (first, job_id),
            ),
            "the second lease to be renewed",
        )

    async def _stale(w: Worker) -> bool:
        return w.stats.stale >= 1

    worker = _worker(db_url, {"d_twice": handler})
    asyncio.run(_run(worker, lambda: _asql(db_url, "select count(*) = 0 from conveyor.jobs")))
    assert seen["renewed"]
    assert worker.stats.completed == 1 and worker.stats.stale == 1
    assert _sql(db_url, "select attempts from conveyor.job_history where id = %s", (job_id,)) == 2
    assert _sql(db_url, "select count(*) from conveyor.dead_letters") == 0


class LateRetry(Retry):
    """A Retry whose delay is changed after it was checked: the reporter must still send a storable one."""

    def __init__(self, delay: float):
        super().__init__("late", delay=0)
        self.delay = delay


@pytest.mark.parametrize("delay", [float("inf"), 1e20, float("nan"), -1.0])
def test_bad_retry_delays_are_refused_when_raised_and_clamped_when_reported(db_url, delay):
    """Defects 2 and 3: Retry refuses the delay where the author sees it; the reporter clamps; reporting goes on."""
    _register(db_url, "d_retry", max_attempts=1)
    _register(db_url, "d_late", max_attempts=3)
    bad = _sql(db_url, "select conveyor.enqueue('d_retry', '{}')")
    late = _sql(db_url, "select conveyor.enqueue('d_late', '{}')")
    after = _sql(db_url, "select conveyor.enqueue('d_late', '{\"after\": true}', p_priority => -10)")

    async def raises(job: Job) -> None:
        raise Retry("slow down", delay=delay)

    async def late_retry(job: Job) -> None:
        if job.attempt == 1 and not job.payload.get("after"):
            raise LateRetry(delay)

    async def done() -> bool:
        return await _asql(
            db_url,
            "select not exists (select from conveyor.jobs where id in (%s, %s) and state = 'running')"
            " and exists (select from conveyor.dead_letters where id = %s)"
            " and exists (select from conveyor.job_history where id = %s)",
            (bad, late, bad, after),
        )

    worker = _worker(db_url, {"d_retry": raises, "d_late": late_retry})
    asyncio.run(_run(worker, done))
    error = _sql(db_url, "select last_error from conveyor.dead_letters where id = %s", (bad,))
    if delay == 1e20:  # finite: accepted, and clamped to 30 days when reported
        assert error.startswith("Retry: slow down"), error
    else:
        assert error.startswith("ValueError: Retry delay must be a finite number of seconds >= 0"), error
    # The late one was reported with a delay the database accepts: retried within the cap, or already run again.
    due_days = _sql(
        db_url, "select extract(epoch from run_at - now()) / 86400 from conveyor.jobs where id = %s", (late,)
    )
    history = _sql(db_url, "select attempts from conveyor.job_history where id = %s", (late,))
    assert (due_days is not None and float(due_days) <= 30.0) or history == 2
    assert worker.stats.refused == 0 and worker.stats.retried == 1


def test_error_text_with_a_nul_byte_is_stored(db_url):
    """Defect 2: an exception message the database cannot store is made storable, and the job retried."""
    _register(db_url, "d_nul", max_attempts=2)
    job_id = _sql(db_url, "select conveyor.enqueue('d_nul', '{}')")

    async def handler(job: Job) -> None:
        if job.attempt == 1:
            raise ValueError("bad\x00byte and a lone \udcff surrogate")

    worker = _worker(db_url, {"d_nul": handler})
    asyncio.run(_run(worker, lambda: _asql(db_url, "select count(*) = 0 from conveyor.jobs")))
    assert _sql(db_url, "select attempts from conveyor.job_history where id = %s", (job_id,)) == 2
    assert worker.stats.retried == 1 and worker.stats.refused == 0


def test_a_report_the_database_refuses_leaves_the_job_to_its_lease_expiry(db_url, caplog):
    """Defect 2: a refused report stops the renewals (logged once, with the job id); the job is rescued, not held."""
    _register(db_url, "d_refused", lease="2 seconds")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            """
            create function public.refuse_report() returns trigger language plpgsql as $$
            begin
                if new.errors::text like '%%refuse-me%%' then
                    raise exception 'refused by the test' using errcode = 'P0001';
                end if;
                return new;
            end $$;
            create trigger refuse_report before update on conveyor.jobs
            for each row execute function public.refuse_report();
            """
        )
    job_id = _sql(db_url, "select conveyor.enqueue('d_refused', '{}')")

    async def handler(job: Job) -> None:
        if job.attempt == 1:
            raise RuntimeError("refuse-me")

    worker = _worker(db_url, {"d_refused": handler})
    with caplog.at_level(logging.WARNING, logger="conveyor.worker"):
        asyncio.run(_run(worker, lambda: _asql(db_url, "select count(*) = 0 from conveyor.jobs")))
    # Attempt 1 was not refunded: the rescue counted it, and attempt 2 completed.
    assert _sql(db_url, "select attempts from conveyor.job_history where id = %s", (job_id,)) == 2
    refused = [r for r in caplog.records if getattr(r, "outcome", None) == "refused"]
    assert len(refused) == 1 and refused[0].job_id == job_id
    assert "refused by the test" in refused[0].error
    assert worker.stats.released == 0


def test_handler_transaction_holding_its_row_never_blocks_other_renewals(db_url):
    """Defect 4: complete_in with the transaction still open; the worker's other lease keeps being renewed."""
    _register(db_url, "d_tx", lease="2 seconds")
    holder = _sql(db_url, "select conveyor.enqueue('d_tx', '{\"hold\": true}', p_priority => 10)")
    other = _sql(db_url, "select conveyor.enqueue('d_tx', '{}')")
    seen: dict[str, Any] = {}
    holder_done = threading.Event()

    def handler(job: Job) -> None:
        if not job.payload.get("hold"):
            holder_done.wait(DEADLINE)
            return
        with psycopg.connect(db_url) as tx, psycopg.connect(db_url, autocommit=True) as look:
            job.complete_in(tx)  # holds the job's row lock until commit
            first = look.execute("select locked_until from conveyor.jobs where id = %s", (other,)).fetchone()
            deadline = time.monotonic() + DEADLINE
            renewed = False
            while not renewed and time.monotonic() < deadline:
                row = look.execute(
                    "select locked_until > %s + interval '1 second' from conveyor.jobs where id = %s",
                    (first[0] if first else None, other),
                ).fetchone()
                renewed = bool(row and row[0])
                time.sleep(0.05)
            seen["renewed"] = renewed
            tx.commit()
        holder_done.set()

    worker = _worker(db_url, {"d_tx": handler}, concurrency=2, batch_size=2)
    asyncio.run(_run(worker, lambda: _asql(db_url, "select count(*) = 0 from conveyor.jobs")))
    assert seen["renewed"], "the other job's lease was not renewed while the transaction was open"
    assert _sql(db_url, "select attempts from conveyor.job_history where id = %s", (other,)) == 1
    assert _sql(db_url, "select attempts from conveyor.job_history where id = %s", (holder,)) == 1
    assert worker.stats.lost_leases == 0


def test_renewals_follow_a_lease_shortened_while_the_job_runs(db_url):
    """Defect 5: the lease shrinks from 8 s to 2 s mid-run; the runner renews on the lease the database granted."""
    _register(db_url, "d_shrink", lease="8 seconds")
    job_id = _sql(db_url, "select conveyor.enqueue('d_shrink', '{}')")
    seen: dict[str, Any] = {}

    async def handler(job: Job) -> None:
        await _asql(db_url, "select conveyor.register_job_type('d_shrink', p_lease => '2 seconds')")
        # Kept alive past the end of the lease it was claimed with: renewed on the new length.
        seen["kept"] = await _until(
            lambda: _asql(
                db_url,
                "select locked_until > %s + interval '2 seconds' from conveyor.jobs where id = %s",
                (job.locked_until, job_id),
            ),
            "renewals past the first lease's end",
        )

    worker = _worker(db_url, {"d_shrink": handler})
    asyncio.run(_run(worker, lambda: _asql(db_url, "select count(*) = 0 from conveyor.jobs")))
    assert seen["kept"]
    assert worker.stats.lost_leases == 0 and worker.stats.completed == 1
    assert _sql(db_url, "select attempts from conveyor.job_history where id = %s", (job_id,)) == 1
