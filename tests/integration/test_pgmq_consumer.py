"""The pgmq consumer in the runner: the 3-read dead-letter rule, and Inngest functions served on FastAPI."""

from __future__ import annotations

import asyncio

import httpx
import inngest
import psycopg
import pytest
from executor_harness import Recorder, dispatch, scalar, wait_until, with_runner
from fastapi import FastAPI

from pgconveyor.core.config import ConfigError
from pgconveyor.ops.modes import apply_env_mode, mode_from_env
from pgconveyor.sources.inngest import mount_inngest


def test_a_message_failing_every_read_goes_to_the_dead_letter_queue_after_three(db_url):
    rec = Recorder()
    msg = dispatch(db_url, "alert", {"always_fail": True})
    ok = dispatch(db_url, "alert", {"fine": True})

    async def body():
        await wait_until(
            lambda: scalar(db_url, "select count(*) from pgmq.q_alert_jobs_dlq") == 1, "the dead-letter message"
        )

    asyncio.run(with_runner(db_url, rec.handlers(), None, body))
    runs = rec.by_job()
    assert runs[msg["job_id"]] == ["pgmq"] * 3
    assert runs[ok["job_id"]] == ["pgmq"]
    dead = scalar(db_url, "select message from pgmq.q_alert_jobs_dlq")
    assert dead["job_id"] == msg["job_id"] and dead["payload"] == {"always_fail": True}
    assert [e["read_ct"] for e in dead["errors"]] == [1, 2, 3]
    assert scalar(db_url, "select count(*) from pgmq.q_alert_jobs") == 0


def test_mount_inngest_serves_one_function_per_handler():
    rec = Recorder()
    app = FastAPI()
    client = inngest.Inngest(app_id="conveyor-test", is_production=False)
    functions = mount_inngest(app, client=client, handlers=rec.handlers())
    assert sorted(f.id for f in functions) == sorted(f"conveyor-test-conveyor-{t}" for t in rec.handlers())

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return await http.get("/api/inngest")

    response = asyncio.run(get())
    assert response.status_code == 200
    assert response.json()["function_count"] == len(rec.handlers())


def test_environment_sets_the_mode_at_start_up(conn):
    assert mode_from_env({}) == {}
    mode = apply_env_mode(conn, {"PRIMARY_EXECUTOR": "supabase", "INNGEST_FALLBACK": "true"})
    assert (mode["mode"], mode["primary_executor"], mode["inngest_fallback"]) == ("fallback", "postgres", True)
    # Unset variables leave the stored flags alone.
    mode = apply_env_mode(conn, {"DUAL_RUN_MODE": "yes"})
    assert (mode["mode"], mode["inngest_fallback"], mode["dual_run"]) == ("dual_run", True, True)
    with pytest.raises(ConfigError, match="PRIMARY_EXECUTOR"):
        mode_from_env({"PRIMARY_EXECUTOR": "lambda"})
    with pytest.raises(ConfigError, match="DUAL_RUN_MODE"):
        mode_from_env({"DUAL_RUN_MODE": "maybe"})


def test_two_consumers_on_one_queue_run_each_message_once(db_url):
    from pgconveyor.sources.pgmq import PgmqConsumer

    rec = Recorder()
    with psycopg.connect(db_url, autocommit=True) as c:
        ids = [
            r[0]
            for r in c.execute(
                "select (conveyor.dispatch('metric', jsonb_build_object('n', g)) ->> 'job_id')::bigint"
                " from generate_series(1, 300) as g"
            ).fetchall()
        ]
    consumers = [
        PgmqConsumer(db_url, rec.handlers(), queues=["metrics_jobs"], batch_size=7, poll_interval=0.05)
        for _ in range(2)
    ]

    async def main():
        tasks = [asyncio.create_task(c.run()) for c in consumers]
        try:
            await wait_until(lambda: scalar(db_url, "select count(*) from pgmq.a_metrics_jobs") == 300, "300 archived")
        finally:
            for c in consumers:
                c.request_stop()
            await asyncio.gather(*tasks)

    asyncio.run(main())
    assert rec.by_job() == {i: ["pgmq"] for i in ids}
    assert sum(c.stats.completed for c in consumers) == 300
    assert scalar(db_url, "select count(*) from pgmq.q_metrics_jobs") == 0


def test_inngest_function_retries_map_to_job_attempts():
    """The served function, run by the SDK's test utility: Inngest's retries are the job's attempts."""
    from inngest.experimental import mocked

    from pgconveyor.sources.inngest import make_function

    rec = Recorder()
    attempts: list[int] = []
    spec = rec.handlers()["risk_check"]

    async def flaky(job):
        attempts.append(job.attempt)
        if job.attempt <= 2:
            raise RuntimeError("transient")
        await spec.func(job)

    from pgconveyor.core.registry import HandlerSpec

    fn = make_function(
        inngest.Inngest(app_id="conveyor-test", is_production=False), HandlerSpec("risk_check", flaky, True)
    )
    event = inngest.Event(id="conveyor-77", name="conveyor/risk_check", data={"job_id": 77, "payload": {"a": 1}})
    # mocked.trigger runs async functions on the thread's current event loop.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        result = mocked.trigger(fn, event, mocked.Inngest(app_id="conveyor-test"))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert result.status is mocked.Status.COMPLETED
    assert result.output == {"job_id": 77, "job_type": "risk_check"}
    assert attempts == [1, 2, 3]
    assert rec.by_job() == {77: ["inngest"]}


def test_worker_once_with_pgmq_drains_both_the_jobs_table_and_the_queues(db_url):
    """A run started by a scheduler (--once --pgmq) leaves neither kind of work behind."""
    from runner_helpers import run_cli

    with psycopg.connect(db_url, autocommit=True) as conn:
        # Slow messages (0.3 s each, 10 read at a time): the jobs table is drained long before them.
        conn.execute(
            "select conveyor.dispatch('alert', jsonb_build_object('n', g, 'sleep', 0.3)) from generate_series(1, 40) g"
        )
        conn.execute("select conveyor.dispatch('risk_check', jsonb_build_object('n', g)) from generate_series(1, 10) g")
    assert scalar(db_url, "select count(*) from pgmq.q_alert_jobs") == 40
    result = run_cli(
        db_url,
        "worker",
        "--once",
        "--pgmq",
        "--handlers",
        "pgconveyor.ops.demo_handlers",
        "--poll-interval",
        "0.2",
        "--log-level",
        "warning",
    )
    assert result.returncode == 0, result.stderr
    assert scalar(db_url, "select count(*) from pgmq.q_alert_jobs") == 0
    assert scalar(db_url, "select count(*) from pgmq.a_alert_jobs") == 40
    assert scalar(db_url, "select count(*) from conveyor.jobs") == 0
    assert scalar(db_url, "select count(*) from conveyor.job_history where job_type = 'risk_check'") == 10
