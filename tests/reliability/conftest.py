"""Fixtures of the reliability suite (helpers in reliability_kit.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reliability_kit import WorkerProcess, prepare


@pytest.fixture
def rel_url(db_url: str) -> str:
    prepare(db_url)
    return db_url


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(url: str, *args: str, db_url: str | None = None) -> WorkerProcess:
        w = WorkerProcess(url, tmp_path / f"worker-{len(started)}.log", *args, db_url=db_url)
        started.append(w)
        return w

    yield start
    for w in started:
        if w.alive():
            w.kill()
