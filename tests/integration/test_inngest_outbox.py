"""The Inngest outbox through an outage of the event API: nothing lost, no event run twice."""

from __future__ import annotations

import asyncio

import inngest
import pytest
from executor_harness import EVENT_KEY, Recorder, dispatch, scalar, send_client, wait_until
from inngest_fake import FakeInngest

from pgconveyor.core.config import ConfigError
from pgconveyor.core.db import Link
from pgconveyor.sources.inngest import inngest_client, make_functions
from pgconveyor.sources.outbox import OutboxForwarder


def test_outbox_delivers_everything_through_an_outage(db_url):
    scalar(db_url, "select conveyor.set_execution_mode('inngest')")
    rec = Recorder()
    jobs = [dispatch(db_url, "housekeeping", {"n": i})["job_id"] for i in range(25)]
    serve_client = inngest.Inngest(app_id="conveyor-test", is_production=False)
    with FakeInngest(EVENT_KEY, make_functions(serve_client, rec.handlers())) as fake:
        # The outage: the next 8 requests are refused (more than the SDK's own 5
        # attempts within one send), then one batch is taken but its answer is lost.
        fake.fail_next = 8
        fake.lose_response_next = 1
        forwarder = OutboxForwarder(db_url, send_client(fake.url), batch_size=10, poll_interval=0.1)

        async def main():
            task = asyncio.create_task(forwarder.run())
            try:
                await wait_until(
                    lambda: scalar(db_url, "select count(*) from conveyor.inngest_outbox where sent_at is null") == 0,
                    "every outbox row sent",
                )
            finally:
                forwarder.request_stop()
                await asyncio.wait_for(task, 30)

        asyncio.run(main())

    assert fake.bad_requests == []
    assert fake.rejected_requests == 8
    assert forwarder.stats.failed_sends >= 1
    # Every job reached Inngest exactly once, under its job id.
    assert sorted(fake.accepted) == sorted(f"conveyor-{j}" for j in jobs)
    assert {e["data"]["job_id"] for e in fake.accepted.values()} == set(jobs)
    assert {e["name"] for e in fake.accepted.values()} == {"conveyor/housekeeping"}
    # The batch whose answer was lost was sent again; Inngest dropped it by event id.
    assert fake.duplicates and set(fake.duplicates) <= set(fake.accepted)
    assert rec.by_job() == {j: ["inngest"] for j in jobs}
    assert [s for _, s in fake.runs] == ["COMPLETED"] * len(jobs)
    retried = scalar(db_url, "select count(*) from conveyor.inngest_outbox where attempts > 1")
    assert retried >= 10, "the rows caught in the outage were retried"


def test_outbox_rows_wait_while_inngest_is_unreachable(db_url):
    scalar(db_url, "select conveyor.set_execution_mode('inngest')")
    dispatch(db_url, "calendar_sync", {"n": 1})
    # Nothing listens on this port: the SDK's connection is refused.
    with FakeInngest(EVENT_KEY) as fake:
        dead_url = fake.url
    forwarder = OutboxForwarder(db_url, send_client(dead_url), poll_interval=0.1)

    async def main():
        link = Link(db_url, "test")
        try:
            assert await forwarder.forward_once(link) is False
        finally:
            await link.close()

    asyncio.run(main())
    sql = (
        "select array[attempts = 1, sent_at is null, last_error is not null, next_attempt_at > now()]"
        " from conveyor.inngest_outbox"
    )
    # One attempt, still unsent, the error kept, and the next try pushed back.
    assert scalar(db_url, sql) == [True, True, True, True]


def test_production_mode_without_keys_is_a_clear_start_up_error(monkeypatch):
    for name in ("INNGEST_DEV", "INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="INNGEST_EVENT_KEY"):
        inngest_client(send=True)
    with pytest.raises(ConfigError, match="INNGEST_SIGNING_KEY"):
        inngest_client(serve=True)
    monkeypatch.setenv("INNGEST_DEV", "1")
    assert inngest_client(send=True, serve=True).is_production is False
