"""pgmq_read under concurrency, and past bad messages: no message is read past its limit, none blocks the queue.

Readers on several connections read the same queue over and over with a 1-second
visibility timeout and never acknowledge, so every message's timeout keeps running
out while other reads are in flight. With the dead-letter decision and the read in
one statement over locked rows, every message is read exactly 3 times and then
dead-lettered; a read count above 3 would mean a 4th read.
"""

from __future__ import annotations

import asyncio
import threading

import psycopg
from executor_harness import Recorder, dispatch, scalar, wait_until, with_runner

MESSAGES = 20
READERS = 4


def test_concurrent_readers_never_read_a_message_a_fourth_time(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "select pgmq.send('alert_jobs', "
            "jsonb_build_object('job_id', g, 'job_type', 'alert', 'payload', '{}'::jsonb)) "
            "from generate_series(1, %s) as g",
            (MESSAGES,),
        )
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as c:
                while not done.is_set():
                    rows = c.execute("select job_id, read_ct from conveyor.pgmq_read('alert_jobs', 5, 1, 3)").fetchall()
                    with lock:
                        seen.extend(rows)
                    dead = c.execute("select count(*) from pgmq.q_alert_jobs_dlq").fetchone()[0]
                    if dead == MESSAGES:
                        done.set()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
            done.set()

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    # A condition, not a sleep: each message needs 3 timeouts of 1 s to run out; the
    # deadline is only a guard against a hang on a very slow machine.
    done.wait(timeout=300)
    done.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    with psycopg.connect(db_url, autocommit=True) as conn:
        dead = conn.execute(
            "select (message ->> 'job_id')::bigint, (message -> 'dead' ->> 'read_ct')::integer "
            "from pgmq.q_alert_jobs_dlq order by 1"
        ).fetchall()
        left = conn.execute("select count(*) from pgmq.q_alert_jobs").fetchone()[0]
    assert left == 0
    assert dead == [(i, 3) for i in range(1, MESSAGES + 1)], "every message died after exactly 3 reads"
    assert max(ct for _, ct in seen) == 3, "no read returned a message a 4th time"
    reads: dict[int, list[int]] = {}
    for job_id, ct in seen:
        reads.setdefault(job_id, []).append(ct)
    assert all(sorted(cts) == [1, 2, 3] for cts in reads.values()), "each message was returned once per read count"


def test_the_consumer_carries_on_past_messages_it_cannot_run(db_url):
    """A producer's pgmq.send of anything: the runner's consumer keeps running the good messages behind it."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        for m in ['{"job_id": "order-17", "job_type": "alert"}', '"text"', '{"job_type": "alert", "payload": [1]}']:
            conn.execute("select pgmq.send('alert_jobs', %s::jsonb)", (m,))
    good = [dispatch(db_url, "alert", {"n": i})["job_id"] for i in range(3)]
    rec = Recorder()

    async def body():
        await wait_until(lambda: rec.count() >= 3, "the three good messages run")
        await wait_until(lambda: scalar(db_url, "select count(*) from pgmq.q_alert_jobs") == 0, "the queue drained")

    asyncio.run(with_runner(db_url, rec.handlers(), None, body))
    assert sorted(rec.by_job()) == sorted(good)
    assert scalar(db_url, "select count(*) from pgmq.q_alert_jobs_dlq") == 3
    assert scalar(db_url, "select count(*) from pgmq.a_alert_jobs") == 3
