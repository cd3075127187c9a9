"""``conveyor serve``: health probe, cron trigger, batch processing and Prometheus metrics over HTTP.

For load balancers and uptime probes (GET /api/health/queues), for platforms
without pg_cron or without long-running workers (POST /api/jobs/cron enqueues what
is due; POST /api/jobs/process runs one batch), and for Prometheus (GET /metrics).
Built by ``create_app()``; FastAPI because the Inngest SDK mounts on it (see
``_mount_extensions``). Every error is a JSON body with the right status code;
stack traces go to the server log, never to the client.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import psycopg
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeHistogramMetricFamily, GaugeMetricFamily
from starlette.exceptions import HTTPException

from pgconveyor.core.config import database_url
from pgconveyor.core.db import connect, first_line
from pgconveyor.core.registry import HandlerSpec, load_handlers
from pgconveyor.ops import queries_ops
from pgconveyor.ops.modes import FALSE, TRUE

log = logging.getLogger("conveyor.http")

HEALTH_STATUS_CODES = {"healthy": 200, "degraded": 207, "unhealthy": 503}
HEALTH_LEVEL = {"healthy": 0, "degraded": 1, "unhealthy": 2}
# Run-time histogram bounds in seconds, as conveyor.run_time_buckets takes them.
RUN_TIME_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]
CONNECT_TIMEOUT = 5


def _connect(url: str) -> psycopg.Connection[Any]:
    return connect(url, application_name="conveyor-http", connect_timeout=CONNECT_TIMEOUT)


class ConveyorCollector:
    """Reads the health views on every scrape: the database is the source of truth, not this process."""

    def __init__(self, url: str):
        self.url = url

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("conveyor_up", "1 when the database answered this scrape")
        started = time.perf_counter()
        try:
            with _connect(self.url) as conn:
                families = list(self._families(conn))
        except psycopg.Error as exc:
            log.warning("metrics: database query failed", extra={"error": first_line(exc)})
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families
        took = GaugeMetricFamily("conveyor_scrape_seconds", "time the metrics queries took")
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _families(self, conn: psycopg.Connection[Any]) -> Iterator[Any]:
        health = conn.execute(queries_ops.HEALTH).fetchone()[0]
        status = GaugeMetricFamily("conveyor_health_status", "0 healthy, 1 degraded, 2 unhealthy")
        status.add_metric([], HEALTH_LEVEL.get(health["status"], 2))
        yield status
        for queue in health["metrics"].get("pgmq_queues") or []:
            pgmq = GaugeMetricFamily("conveyor_pgmq_depth", "messages in a pgmq queue", labels=["queue"])
            pgmq.add_metric([queue["queue"]], queue["depth"])
            yield pgmq

        depth = GaugeMetricFamily("conveyor_queue_jobs", "jobs in the hot table by state", labels=["job_type", "state"])
        completed = GaugeMetricFamily(
            "conveyor_jobs_completed_last_hour", "jobs completed in the last hour", labels=["job_type"]
        )
        failed = GaugeMetricFamily(
            "conveyor_jobs_failed_last_hour", "attempts that failed in the last hour", labels=["job_type"]
        )
        dead = GaugeMetricFamily("conveyor_dead_letters", "dead letters within health_dead_window", labels=["job_type"])
        oldest = GaugeMetricFamily(
            "conveyor_oldest_ready_seconds", "age of the oldest ready job (0 when none)", labels=["job_type"]
        )
        error_rate = GaugeMetricFamily(
            "conveyor_error_rate", "failed / (completed + failed), last hour", labels=["job_type"]
        )
        for jt, ready, scheduled, running, done, fails, dead_n, oldest_s, _rate, err in conn.execute(
            queries_ops.QUEUE_HEALTH
        ):
            depth.add_metric([jt, "ready"], ready)
            depth.add_metric([jt, "scheduled"], scheduled)
            depth.add_metric([jt, "running"], running)
            completed.add_metric([jt], done)
            failed.add_metric([jt], fails)
            dead.add_metric([jt], dead_n)
            oldest.add_metric([jt], oldest_s or 0.0)
            error_rate.add_metric([jt], err or 0.0)
        yield from (depth, completed, failed, dead, oldest, error_rate)

        # workers.processed counts per runner process since it started: a true
        # counter (it only resets when the runner restarts, which Prometheus handles).
        processed = CounterMetricFamily("conveyor_worker_processed", "jobs a runner has completed", labels=["worker"])
        failed_total = CounterMetricFamily(
            "conveyor_worker_failed", "attempts that failed in a runner (retried or dead-lettered)", labels=["worker"]
        )
        in_flight = GaugeMetricFamily("conveyor_worker_in_flight", "jobs a live runner holds", labels=["worker"])
        live = GaugeMetricFamily("conveyor_workers_live", "runners with a recent heartbeat")
        n_live = 0
        for worker, n, n_failed, is_live, held in conn.execute(queries_ops.WORKER_PROCESSED):
            processed.add_metric([worker], n)
            failed_total.add_metric([worker], n_failed)
            if is_live:
                n_live += 1
                in_flight.add_metric([worker], held)
        live.add_metric([], n_live)
        yield from (processed, failed_total, in_flight, live)

        runtime = GaugeHistogramMetricFamily(
            "conveyor_job_run_seconds", "run time of jobs completed in the last hour", labels=["job_type"]
        )
        for jt, counts, total, sum_s in conn.execute(queries_ops.RUN_TIME_BUCKETS, ("1 hour", RUN_TIME_BOUNDS)):
            buckets = [(_le(b), c) for b, c in zip(RUN_TIME_BOUNDS, counts, strict=True)]
            buckets.append(("+Inf", total))
            runtime.add_metric([jt], buckets, gsum_value=sum_s or 0.0)
        yield runtime

        lag = GaugeMetricFamily(
            "conveyor_schedule_lag_seconds",
            "how long a schedule's due slot has gone unrun (0 when on time)",
            labels=["schedule"],
        )
        missed = GaugeMetricFamily(
            "conveyor_schedule_missed", "1 when a schedule missed its last slot", labels=["schedule"]
        )
        for name, lag_s, is_missed, enabled, _since in conn.execute(queries_ops.SCHEDULE_LAG):
            if not enabled:
                continue
            lag.add_metric([name], lag_s or 0.0)
            missed.add_metric([name], 1 if is_missed else 0)
        yield from (lag, missed)


def _le(bound: float) -> str:
    return repr(float(bound))


async def process_one_batch(
    url: str, handlers: dict[str, HandlerSpec], batch_size: int, *, pgmq: bool = True
) -> dict[str, int]:
    """One batch of the regular worker: one claim from the jobs table and from each routed pgmq queue, run, reported.

    The worker's own one-batch mode (``Worker(one_batch=True)``): the same executor,
    reporter and log lines as ``conveyor worker``, no polling.
    """
    from pgconveyor.core.worker import Worker
    from pgconveyor.sources.pgmq import pgmq_sources, routed_queues

    queues = await routed_queues(url, handlers) if pgmq else []
    worker = Worker(
        url,
        handlers,
        concurrency=batch_size * (1 + len(queues)),
        batch_size=batch_size,
        one_batch=True,
        listen=False,
        install_signals=False,
        sources=pgmq_sources(queues),
        name=f"http:{os.uname().nodename}:{os.getpid()}",
    )
    await worker.run()
    s = worker.stats
    return {
        "claimed": s.claimed,
        "completed": s.completed,
        "retried": s.retried,
        "dead": s.dead,
        "stale": s.stale,
        "released": s.released,
        "refused": s.refused,
        "by_source": dict(s.by_source),
    }


INNGEST_ENV = ("INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY", "INNGEST_DEV", "INNGEST_BASE_URL")


def inngest_wanted() -> bool:
    """Serve Inngest functions when Inngest is configured (any INNGEST_* key) or asked for."""
    flag = os.environ.get("CONVEYOR_SERVE_INNGEST", "").lower()
    if flag in FALSE:
        return False
    return flag in TRUE or any(os.environ.get(k) for k in INNGEST_ENV)


def _mount_extensions(app: FastAPI, handlers: dict[str, HandlerSpec] | None) -> None:
    # Inngest functions run the same handler registry at /api/inngest. A deployment
    # that does not use Inngest never builds its client, so it needs none of its keys;
    # one that does gets a clear error at start-up when a production key is missing.
    if inngest_wanted():
        from pgconveyor.sources.inngest import mount_inngest

        mount_inngest(app, handlers=handlers)


def create_app(
    url: str | None = None,
    *,
    cron_secret: str | None = None,
    handlers: dict[str, HandlerSpec] | None = None,
) -> FastAPI:
    """The ASGI app. ``cron_secret`` defaults to $JOBS_CRON_SECRET, read at each request."""
    app = FastAPI(title="pgconveyor", docs_url=None, redoc_url=None, openapi_url=None)
    db_url = url or database_url()
    loaded: dict[str, dict[str, HandlerSpec]] = {}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ConveyorCollector(db_url))

    def secret() -> str:
        return cron_secret if cron_secret is not None else os.environ.get("JOBS_CRON_SECRET", "")

    def require_bearer(request: Request) -> None:
        expected = secret()
        if not expected:
            raise HTTPException(503, "JOBS_CRON_SECRET is not configured on this server")
        header = request.headers.get("authorization")
        if not header:
            raise HTTPException(
                401, "missing Authorization: Bearer <JOBS_CRON_SECRET>", headers={"WWW-Authenticate": "Bearer"}
            )
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401, "expected Authorization: Bearer <JOBS_CRON_SECRET>", headers={"WWW-Authenticate": "Bearer"}
            )
        if not hmac.compare_digest(token.strip().encode(), expected.encode()):
            raise HTTPException(403, "wrong bearer token")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")} for e in exc.errors()]
        return JSONResponse({"error": "invalid request", "details": details}, status_code=422)

    @app.exception_handler(psycopg.OperationalError)
    async def db_down(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        log.warning("database unreachable", extra={"error": first_line(exc)})
        return JSONResponse({"error": "database unreachable"}, status_code=503)

    @app.exception_handler(psycopg.Error)
    async def db_error(request: Request, exc: psycopg.Error) -> JSONResponse:
        log.warning("database error", extra={"error": first_line(exc), "sqlstate": exc.sqlstate})
        # Invalid input raised by a conveyor function (SQLSTATE 22xxx) is the caller's to fix.
        code = 400 if (exc.sqlstate or "").startswith("22") else 500
        return JSONResponse({"error": first_line(exc)}, status_code=code)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal error; see the server log"}, status_code=500)

    @app.get("/api/health/queues")
    def health_queues() -> JSONResponse:
        try:
            with _connect(db_url) as conn:
                health = conn.execute(queries_ops.HEALTH).fetchone()[0]
        except psycopg.Error as exc:
            log.warning("health: database query failed", extra={"error": first_line(exc)})
            # The probe is unauthenticated: its answer names no host, port, role or
            # message (a connection error carries all three); the log has the detail.
            if isinstance(exc, psycopg.OperationalError):
                reason = "database unreachable"
                advice = "Check that PostgreSQL is running and DATABASE_URL points at it; the server log says why."
            else:
                reason = f"conveyor.health() failed (SQLSTATE {exc.sqlstate or 'unknown'})"
                advice = "Run `conveyor migrate`, and check conveyor.settings for a value that is not valid."
            problem = {"check": "database", "severity": "unhealthy", "reason": reason, "recommendation": advice}
            return JSONResponse({"status": "unhealthy", "problems": [problem], "reasons": [reason]}, status_code=503)
        return JSONResponse(health, status_code=HEALTH_STATUS_CODES.get(health["status"], 503))

    @app.post("/api/jobs/cron")
    def jobs_cron(request: Request) -> dict[str, Any]:
        require_bearer(request)
        with _connect(db_url) as conn:
            rows = conn.execute(queries_ops.TICK).fetchall()
        ran = [{"schedule": s, "due_at": d.isoformat(), "job_id": j} for s, d, j in rows]
        return {"ran": ran, "count": len(ran)}

    @app.post("/api/jobs/process")
    def jobs_process(
        request: Request, batch_size: int = Query(25, ge=1, le=1000, description="jobs to claim")
    ) -> dict[str, Any]:
        require_bearer(request)
        if "handlers" not in loaded:
            loaded["handlers"] = handlers if handlers is not None else load_handlers()
        with _connect(db_url):
            pass  # a clear 503 now rather than a runner retrying against a dead database
        if not loaded["handlers"]:
            raise HTTPException(
                503,
                "no handlers are loaded: name your handler modules in CONVEYOR_HANDLERS (or conveyor serve --handlers)",
            )
        counts = asyncio.run(process_one_batch(db_url, loaded["handlers"], batch_size))
        return {"processed": counts["completed"] + counts["retried"] + counts["dead"], **counts}

    @app.get("/api/jobs/process")
    def jobs_process_status(request: Request) -> dict[str, Any]:
        """The hybrid queue's status: depth and dead per queue, counts per job type, execution mode."""
        require_bearer(request)
        with _connect(db_url) as conn:
            return conn.execute(queries_ops.HYBRID_STATUS).fetchone()[0]

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    _mount_extensions(app, handlers)
    return app


def serve(host: str, port: int, log_level: str = "info", handler_modules: list[str] | None = None) -> int:
    import uvicorn

    from pgconveyor.core.config import using_embedded

    if using_embedded():
        from pgconveyor.ops.console import connect as _connect

        _connect().close()  # a clear error when the embedded database is down
    app = create_app(handlers=load_handlers(handler_modules))
    uvicorn.run(app, host=host, port=port, log_level=log_level)
    return 0
