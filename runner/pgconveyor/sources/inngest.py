"""Inngest as an executor: the SDK client from the environment, and Inngest functions that run the handler registry.

Configuration (read at start-up):

- ``INNGEST_EVENT_KEY``: sends events (the outbox forwarder).
- ``INNGEST_SIGNING_KEY``: signs requests between Inngest and ``/api/inngest``.
- ``INNGEST_EVENT_API_BASE_URL`` (else ``INNGEST_BASE_URL``): where events go;
  ``INNGEST_BASE_URL``: Inngest's API.
- ``INNGEST_DEV=1``: development mode (the Inngest dev server; no keys needed).
  Without it the SDK runs in production (cloud) mode, where a missing key is a
  start-up error that says which variable to set.

Each job type with a handler becomes one Inngest function, ``conveyor-<type>``,
triggered by the event ``conveyor/<type>`` that the outbox forwarder sends. The
function runs the same handler as the jobs-table worker and the pgmq consumer;
``PermanentFailure`` stops Inngest's retries, ``Retry(delay=...)`` sets the next one.
"""

from __future__ import annotations

import os
from typing import Any

import inngest

from pgconveyor.core.config import ConfigError
from pgconveyor.core.executors import clamp_delay, execute, make_job
from pgconveyor.core.registry import HandlerSpec

APP_ID_DEFAULT = "pgconveyor"
EVENT_PREFIX = "conveyor/"
SERVE_PATH = "/api/inngest"
# Inngest retries a failed function run this many times (4 is Inngest's default):
# 5 runs in all, the jobs table's default max_attempts.
RETRIES = 4


class HandlerFailed(Exception):
    """A handler's run failed: Inngest retries it (the message is the handler's error)."""


def event_name(job_type: str) -> str:
    return f"{EVENT_PREFIX}{job_type}"


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def is_dev() -> bool:
    return (_env("INNGEST_DEV") or "").lower() not in {"", "0", "false", "no", "off"}


def inngest_client(*, send: bool = False, serve: bool = False, is_production: bool | None = None) -> inngest.Inngest:
    """The Inngest client, configured from the environment; a clear ConfigError when production keys are missing."""
    production = (not is_dev()) if is_production is None else is_production
    if production:
        missing = []
        if send and not _env("INNGEST_EVENT_KEY"):
            missing.append("INNGEST_EVENT_KEY (to send events)")
        if serve and not _env("INNGEST_SIGNING_KEY"):
            missing.append("INNGEST_SIGNING_KEY (to serve functions)")
        if missing:
            raise ConfigError(
                "Inngest runs in production mode but " + " and ".join(missing) + " is not set; "
                "set it, or set INNGEST_DEV=1 to use an Inngest dev server"
            )
    return inngest.Inngest(
        app_id=_env("INNGEST_APP_ID") or APP_ID_DEFAULT,
        is_production=production,
        event_key=_env("INNGEST_EVENT_KEY"),
        signing_key=_env("INNGEST_SIGNING_KEY"),
        api_base_url=_env("INNGEST_BASE_URL"),
        event_api_base_url=_env("INNGEST_EVENT_API_BASE_URL") or _env("INNGEST_BASE_URL"),
    )


def make_function(client: inngest.Inngest, spec: HandlerSpec) -> inngest.Function[Any]:
    """One Inngest function running the handler of one job type."""

    @client.create_function(
        fn_id=f"conveyor-{spec.job_type}",
        name=f"conveyor {spec.job_type}",
        trigger=inngest.TriggerEvent(event=event_name(spec.job_type)),
        retries=RETRIES,
    )
    async def run(ctx: inngest.Context) -> dict[str, Any]:
        data = ctx.event.data or {}
        payload = data.get("payload") or {}
        job_id = data.get("job_id")
        if not isinstance(payload, dict) or not isinstance(job_id, int):
            raise inngest.NonRetriableError(f"event {ctx.event.name} has no job_id or no payload object")
        job = make_job(job_id, spec.job_type, payload, attempt=ctx.attempt + 1, max_attempts=RETRIES + 1)
        # The one executor every source uses; Inngest is the reporter here: the outcome
        # becomes the function's result, a non-retriable error, or a retry after a delay.
        outcome = await execute(spec, job, "inngest")
        if outcome.ok:
            return {"job_id": job_id, "job_type": spec.job_type}
        if outcome.permanent:
            raise inngest.NonRetriableError(outcome.error)
        delay = clamp_delay(outcome.retry_delay)
        if delay is not None:
            raise inngest.RetryAfterError(outcome.error, delay)
        raise HandlerFailed(outcome.error)

    return run


def make_functions(client: inngest.Inngest, handlers: dict[str, HandlerSpec]) -> list[inngest.Function[Any]]:
    return [make_function(client, handlers[name]) for name in sorted(handlers)]


def mount_inngest(
    app: Any,
    client: inngest.Inngest | None = None,
    handlers: dict[str, HandlerSpec] | None = None,
    serve_path: str = SERVE_PATH,
) -> list[inngest.Function[Any]]:
    """Serve one Inngest function per handler on a FastAPI app, at ``serve_path``; returns the functions.

    Without ``client``, one is built from the environment (a ConfigError in
    production mode without INNGEST_SIGNING_KEY). Without ``handlers``, the registry
    is loaded as the worker loads it.
    """
    import inngest.fast_api

    if handlers is None:
        from pgconveyor.core.registry import load_handlers

        handlers = load_handlers()
    client = client or inngest_client(serve=True)
    functions = make_functions(client, handlers)
    inngest.fast_api.serve(app, client, functions, serve_path=serve_path)
    return functions
