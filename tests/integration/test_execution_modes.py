"""Each execution mode end to end: dispatch in SQL, then the runner (jobs table, pgmq, outbox to Inngest).

Which executor ran each job, and how many times, is recorded by the handlers; the
Inngest side is a local event API that runs our Inngest functions with the SDK's
test utility, so the whole path (outbox, SDK send, event, function, handler) is real.
"""

from __future__ import annotations

import asyncio

import inngest
from executor_harness import EVENT_KEY, Recorder, dispatch, scalar, send_client, wait_until, with_runner
from inngest_fake import FakeInngest

from pgconveyor.sources.inngest import make_functions


def _fake(rec: Recorder) -> FakeInngest:
    serve_client = inngest.Inngest(app_id="conveyor-test", is_production=False)
    return FakeInngest(EVENT_KEY, make_functions(serve_client, rec.handlers()))


def set_mode(db_url: str, primary: str, fallback: bool = False, dual: bool = False) -> None:
    scalar(db_url, "select conveyor.set_execution_mode(%s, %s, %s)", (primary, fallback, dual))


def test_postgres_primary_runs_jobs_table_and_pgmq_at_once(db_url):
    rec = Recorder()
    with _fake(rec) as fake:
        cal = [dispatch(db_url, "calendar_sync", {"n": i})["job_id"] for i in range(3)]
        alerts = [dispatch(db_url, "alert", {"n": i}) for i in range(3)]
        execs = [dispatch(db_url, "execution", {"n": i}) for i in range(2)]
        assert {a["queue"] for a in alerts} == {"alert_jobs"}
        assert {e["queue"] for e in execs} == {"autosniping_jobs"}

        async def body():
            await wait_until(lambda: rec.count() >= 8, "8 handler runs")
            await wait_until(
                lambda: scalar(db_url, "select coalesce(sum(depth), 0) from conveyor.pgmq_queue_depths()") == 0,
                "pgmq queues drained",
            )

        asyncio.run(with_runner(db_url, rec.handlers(), send_client(fake.url), body))

    runs = rec.by_job()
    assert {j: runs[j] for j in cal} == {j: ["jobs"] for j in cal}
    for msg in alerts + execs:
        assert runs[msg["job_id"]] == ["pgmq"]
    assert len(runs) == 8
    assert fake.accepted == {}
    assert scalar(db_url, "select count(*) from conveyor.inngest_outbox") == 0
    assert scalar(db_url, "select count(*) from pgmq.a_alert_jobs") == 3
    assert scalar(db_url, "select count(*) from conveyor.job_history where queue is null") == 3
    # pgmq completions are history too (issue 9): the 3 alerts and 2 executions.
    assert scalar(db_url, "select count(*) from conveyor.job_history where queue is not null") == 5


def test_inngest_primary_sends_jobs_table_work_to_inngest_and_keeps_pgmq(db_url):
    set_mode(db_url, "inngest")
    rec = Recorder()
    with _fake(rec) as fake:
        cal = [dispatch(db_url, "calendar_sync", {"n": i}) for i in range(3)]
        metrics = [dispatch(db_url, "metric", {"n": i}) for i in range(2)]
        assert {c["destination"] for c in cal} == {"inngest"}
        assert {m["destination"] for m in metrics} == {"pgmq"}

        async def body():
            await wait_until(lambda: rec.count() >= 5, "5 handler runs")
            await wait_until(
                lambda: scalar(db_url, "select count(*) from conveyor.inngest_outbox where sent_at is null") == 0,
                "outbox sent",
            )

        asyncio.run(with_runner(db_url, rec.handlers(), send_client(fake.url), body))

    runs = rec.by_job()
    for c in cal:
        assert runs[c["job_id"]] == ["inngest"]
    for m in metrics:
        assert runs[m["job_id"]] == ["pgmq"]
    assert len(runs) == 5
    assert sorted(fake.accepted) == sorted(f"conveyor-{c['job_id']}" for c in cal)
    assert fake.duplicates == [] and fake.bad_requests == []
    assert scalar(db_url, "select count(*) from conveyor.job_history where queue is null") == 0


def test_fallback_sends_to_inngest_when_postgres_cannot_run_a_job(db_url):
    set_mode(db_url, "postgres", fallback=True)
    rec = Recorder()
    # No worker has ever run: Postgres is unhealthy for calendar_sync, Inngest takes it.
    before = dispatch(db_url, "calendar_sync", {"when": "no worker"})
    assert before["destination"] == "inngest"
    with _fake(rec) as fake:
        state: dict[str, int] = {}

        async def body():
            await wait_until(
                lambda: (
                    scalar(db_url, "select count(*) from conveyor.workers where 'calendar_sync' = any(job_types)") > 0
                ),
                "the worker's heartbeat",
            )
            healthy = await asyncio.to_thread(dispatch, db_url, "calendar_sync", {"when": "healthy"})
            assert healthy["destination"] == "jobs"
            exhausted = await asyncio.to_thread(
                dispatch, db_url, "calendar_sync", {"fail_outside_inngest": True}, max_attempts=1
            )
            assert exhausted["destination"] == "jobs"
            state.update(healthy=healthy["job_id"], exhausted=exhausted["job_id"])
            await wait_until(lambda: rec.count() >= 4, "4 handler runs")

        asyncio.run(with_runner(db_url, rec.handlers(), send_client(fake.url), body))

    runs = rec.by_job()
    assert runs == {
        before["job_id"]: ["inngest"],
        state["healthy"]: ["jobs"],
        state["exhausted"]: ["inngest", "jobs"],
    }
    assert f"conveyor-{state['exhausted']}-fallback-1" in fake.accepted
    assert scalar(db_url, "select count(*) from conveyor.dead_letters where id = %s", (state["exhausted"],)) == 1


def test_dual_run_runs_every_job_on_postgres_and_inngest(db_url):
    set_mode(db_url, "postgres", dual=True)
    rec = Recorder()
    with _fake(rec) as fake:
        work = [dispatch(db_url, "risk_check", {"n": i}) for i in range(2)]
        work += [dispatch(db_url, "order_close", {"n": i}) for i in range(2)]
        assert all("dual_run_outbox_id" in w for w in work)

        async def body():
            await wait_until(lambda: rec.count() >= 8, "8 handler runs")

        asyncio.run(with_runner(db_url, rec.handlers(), send_client(fake.url), body))

    runs = rec.by_job()
    for w in work[:2]:
        assert runs[w["job_id"]] == ["inngest", "jobs"]
    for w in work[2:]:
        assert runs[w["job_id"]] == ["inngest", "pgmq"]
    assert len(runs) == 4
    assert fake.duplicates == []
