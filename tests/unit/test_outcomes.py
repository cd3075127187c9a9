"""Pure logic of the runner: Retry's checks, storable error texts, clamped delays, the handler registry."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

import pytest

from pgconveyor import Job, PermanentFailure, Retry
from pgconveyor.core import registry
from pgconveyor.core.executors import MAX_ERROR_CHARS, clamp_delay, execute, make_job, storable_text
from pgconveyor.core.registry import HandlerConflict, HandlerSpec


@pytest.mark.parametrize("delay", [-1, -0.001, math.inf, -math.inf, math.nan])
def test_retry_refuses_a_delay_the_database_would_refuse(delay):
    with pytest.raises(ValueError, match="Retry delay must be a finite number of seconds >= 0"):
        Retry("later", delay=delay)


@pytest.mark.parametrize("delay", ["5", True, [1]])
def test_retry_refuses_a_delay_that_is_not_a_number(delay):
    with pytest.raises(TypeError, match="Retry delay must be a number of seconds"):
        Retry("later", delay=delay)


def test_retry_keeps_a_good_delay():
    assert Retry("later", delay=0).delay == 0
    assert Retry("later", delay=2.5).delay == 2.5
    assert Retry("later").delay is None


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (None, None),
        (math.nan, None),
        (-5, timedelta(0)),
        (3, timedelta(seconds=3)),
        (1e20, timedelta(days=30)),
        (math.inf, timedelta(days=30)),
        ("x", None),
    ],
)
def test_the_reporter_clamps_every_delay(delay, expected):
    assert clamp_delay(delay) == expected


def test_storable_text_removes_what_postgres_refuses():
    text = storable_text("a\x00b \udcff c")
    assert "\x00" not in text
    text.encode("utf-8")  # no lone surrogate left
    assert text.startswith("a\\x00b")
    long = storable_text("x" * (MAX_ERROR_CHARS * 2))
    assert len(long) <= MAX_ERROR_CHARS and long.endswith("(truncated)")
    assert storable_text("plain") == "plain"


def _run(spec: HandlerSpec | None, job: Job, **kw):
    return asyncio.run(execute(spec, job, "jobs", **kw))


def _job(job_type: str = "t") -> Job:
    return make_job(1, job_type, {}, attempt=1, max_attempts=3)


def test_the_executor_classifies_every_outcome():
    async def ok(job):
        return None

    async def retry(job):
        raise Retry("soon", delay=7)

    async def permanent(job):
        raise PermanentFailure("never")

    async def boom(job):
        raise RuntimeError("k\x00")

    def sync_ok(job):
        return None

    assert _run(HandlerSpec("t", ok, True), _job()).ok
    assert _run(HandlerSpec("t", sync_ok, False), _job()).ok
    r = _run(HandlerSpec("t", retry, True), _job())
    assert (r.error, r.retry_delay, r.permanent) == ("Retry: soon", 7, False)
    r = _run(HandlerSpec("t", permanent, True), _job())
    assert r.permanent and r.error == "PermanentFailure: never"
    r = _run(HandlerSpec("t", boom, True), _job())
    assert r.error.startswith("RuntimeError: k\\x00") and "\x00" not in r.error
    r = _run(None, _job("nope"), missing="; it has handlers for: t")
    assert r.error == "NoHandlerError: no handler for job type 'nope'; it has handlers for: t"


def test_the_executor_applies_the_tighter_timeout():
    async def slow(job):
        await asyncio.sleep(30)

    r = _run(HandlerSpec("t", slow, True, timeout=60), _job(), limit=0.05)
    assert r.error == "TimeoutError: handler ran longer than its 0.05 s timeout"


def test_two_handlers_for_one_type_name_both(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})

    @registry.handler("u_type")
    def first(job):
        return None

    def second(job):
        return None

    with pytest.raises(HandlerConflict) as caught:
        registry.handler("u_type")(second)
    message = str(caught.value)
    assert "first" in message and "second" in message and "'u_type'" in message
    assert "\n" not in message


def test_the_demo_handlers_load_only_when_asked(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.delenv("CONVEYOR_HANDLERS", raising=False)
    assert registry.load_handlers() == {}
