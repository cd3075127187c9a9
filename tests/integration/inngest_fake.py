"""A stand-in for Inngest's event API on 127.0.0.1, for tests: the dev server cannot be installed here.

It implements what the SDK's ``Inngest.send`` uses: ``POST /e/<event key>`` with a
JSON array of events, answered with ``{"ids": [...], "status": 200}``. It checks the
path, the key and every event's shape, drops an event whose id it has already
accepted (as Inngest does with its idempotency on event ids), and can play an
outage: refuse the next N requests with 503, or accept them and then answer 500
(the response lost after the events were taken). With ``functions``, it runs the
Inngest function each new event triggers through the SDK's own test utility
(``inngest.experimental.mocked.trigger``), in this server's thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import inngest
from inngest.experimental import mocked


class FakeInngest:
    def __init__(self, event_key: str, functions: list[inngest.Function[Any]] | None = None):
        self.event_key = event_key
        self.functions = {f.get_config("http://x").main.triggers[0].event: f for f in functions or []}
        self.lock = threading.Lock()
        self.accepted: dict[str, dict[str, Any]] = {}  # event id -> event
        self.duplicates: list[str] = []
        self.rejected_requests = 0
        self.bad_requests: list[str] = []
        self.fail_next = 0  # answer 503 and take nothing
        self.lose_response_next = 0  # take the events, then answer 500
        self.runs: list[tuple[str, str]] = []  # (event id, status) of function runs
        self._server = HTTPServer(("127.0.0.1", 0), self._handler_class())
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, name="fake-inngest", daemon=True)

    def __enter__(self) -> FakeInngest:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def _serve(self) -> None:
        # mocked.trigger runs async functions on the thread's current event loop.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self._server.serve_forever(poll_interval=0.05)
        finally:
            loop.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path != f"/e/{fake.event_key}":
                    fake.bad_requests.append(f"path {self.path}")
                    self._answer(401, {"error": "unknown event key", "status": 401})
                    return
                with fake.lock:
                    if fake.fail_next > 0:
                        fake.fail_next -= 1
                        fake.rejected_requests += 1
                        self._answer(503, {"error": "unavailable", "status": 503})
                        return
                try:
                    events = json.loads(body)
                    assert isinstance(events, list) and events
                    for e in events:
                        assert isinstance(e.get("id"), str) and e["id"], "event without id"
                        assert e.get("name", "").startswith("conveyor/"), f"bad name {e.get('name')}"
                        assert isinstance(e.get("data", {}).get("job_id"), int), "data.job_id missing"
                        assert isinstance(e["data"].get("payload"), dict), "data.payload missing"
                except (ValueError, AssertionError) as exc:
                    fake.bad_requests.append(str(exc))
                    self._answer(400, {"error": str(exc), "status": 400})
                    return
                new = []
                with fake.lock:
                    for e in events:
                        if e["id"] in fake.accepted:
                            fake.duplicates.append(e["id"])
                        else:
                            fake.accepted[e["id"]] = e
                            new.append(e)
                    lose = fake.lose_response_next > 0
                    if lose:
                        fake.lose_response_next -= 1
                for e in new:
                    fake._run(e)
                if lose:
                    self._answer(500, {"error": "response lost", "status": 500})
                    return
                self._answer(200, {"ids": [e["id"] for e in events], "status": 200})

        return Handler

    def _run(self, event: dict[str, Any]) -> None:
        fn = self.functions.get(event["name"])
        if fn is None:
            return
        result = mocked.trigger(
            fn,
            inngest.Event(id=event["id"], name=event["name"], data=event["data"]),
            mocked.Inngest(app_id="conveyor-test"),
        )
        with self.lock:
            self.runs.append((event["id"], result.status.name))
