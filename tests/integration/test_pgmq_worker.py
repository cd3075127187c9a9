"""Issue 8 item 6: pgmq is not opt-in; its messages run through the worker like jobs, with the same log line."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from runner_helpers import run_cli, scalar

from pgconveyor.core.registry import HandlerSpec
from pgconveyor.core.worker import Worker
from pgconveyor.sources.pgmq import PgmqQueue

DEMO = "pgconveyor.ops.demo_handlers"


def _dispatch_alerts(conn, n: int) -> None:
    conn.execute("select conveyor.dispatch('alert', jsonb_build_object('n', g)) from generate_series(1, %s) g", (n,))
    assert scalar(conn, "select count(*) from pgmq.q_alert_jobs") == n


def test_a_plain_worker_consumes_the_routed_queues_with_a_log_line_per_message(db_url, conn):
    _dispatch_alerts(conn, 3)
    result = run_cli(db_url, "worker", "--once", "--log-json", "--handlers", DEMO, "--poll-interval", "0.2")
    assert result.returncode == 0, result.stderr
    assert scalar(conn, "select count(*) from pgmq.q_alert_jobs") == 0
    assert scalar(conn, "select count(*) from pgmq.a_alert_jobs") == 3
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    done = [x for x in lines if x.get("event") == "job completed" and x.get("queue") == "alert_jobs"]
    assert len(done) == 3, result.stderr
    msg_ids = {r[0] for r in conn.execute("select msg_id from pgmq.a_alert_jobs")}
    for line in done:
        assert line["msg_id"] in msg_ids
        assert line["job_type"] == "alert" and line["attempt"] == 1 and line["outcome"] == "completed"
        assert line["duration_ms"] > 0  # the demo handler sleeps 2 ms


@pytest.mark.parametrize(("flag", "env"), [("--no-pgmq", {}), (None, {"PROCESS_PGMQ": "false"})])
def test_opting_out_leaves_the_queues_alone(db_url, conn, flag, env):
    _dispatch_alerts(conn, 2)
    conn.execute("select conveyor.enqueue('risk_check', '{}')")
    args = ["worker", "--once", "--handlers", DEMO, "--poll-interval", "0.2"] + ([flag] if flag else [])
    result = run_cli(db_url, *args, **env)
    assert result.returncode == 0, result.stderr
    assert scalar(conn, "select count(*) from pgmq.q_alert_jobs") == 2
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0


class CountingQueue(PgmqQueue):
    def __init__(self, queue: str):
        super().__init__(queue)
        self.asked: list[int] = []

    async def claim(self, conn, worker, n):
        self.asked.append(n)
        return await super().claim(conn, worker, n)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_batch_size_applies_to_pgmq_reads_and_a_bad_message_does_not_stop_the_worker(db_url, conn):
    _dispatch_alerts(conn, 7)
    # A message no handler can use: no job type. It is dead-lettered, and the rest still run.
    conn.execute("""select pgmq.send('alert_jobs', '{"payload": {"n": 0}}')""")
    ran: list[int] = []

    async def alert(job):
        ran.append(job.payload["n"])

    queue = CountingQueue("alert_jobs")
    worker = Worker(
        db_url,
        {"alert": HandlerSpec("alert", alert, True)},
        sources=[queue],
        jobs_table=False,
        batch_size=2,
        concurrency=10,
        once=True,
        poll_interval=0.05,
        listen=False,
        install_signals=False,
    )
    asyncio.run(worker.run())
    assert sorted(ran) == list(range(1, 8))
    assert queue.asked and max(queue.asked) == 2
    with psycopg.connect(db_url, autocommit=True) as c:
        assert c.execute("select count(*) from pgmq.q_alert_jobs").fetchone()[0] == 0
        assert c.execute("select count(*) from pgmq.q_alert_jobs_dlq").fetchone()[0] == 1
    assert worker.stats.by_source == {"pgmq:alert_jobs": 7}
