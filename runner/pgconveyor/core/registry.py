"""Handler registry: ``@handler("calendar_sync")`` marks a function that runs jobs of that type.

Handlers are plain functions or coroutines taking one argument, the Job. Modules in
``runner/handlers/`` are loaded automatically; ``CONVEYOR_HANDLERS`` (comma-separated
module names) or ``--handlers`` add more.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HandlerSpec:
    job_type: str
    func: Callable[..., Any]
    is_async: bool
    timeout: float | None = None


_REGISTRY: dict[str, HandlerSpec] = {}


def handler(job_type: str, *, timeout: float | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the handler of ``job_type``.

    ``timeout`` (seconds) applies when the job type has no timeout of its own in
    ``conveyor.job_types``.
    """
    # The name's rule lives in the database (the domain conveyor.identifier): the
    # runner's heartbeat names every handled type, and a bad name is refused there.
    if not isinstance(job_type, str) or not job_type:
        raise ValueError(f"a handler needs a job type name, got {job_type!r}")

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = _REGISTRY.get(job_type)
        if existing is not None and existing.func is not func:
            raise ValueError(f"job type {job_type!r} already has a handler: {existing.func.__qualname__}")
        _REGISTRY[job_type] = HandlerSpec(job_type, func, inspect.iscoroutinefunction(func), timeout)
        return func

    return decorate


def registry() -> dict[str, HandlerSpec]:
    return dict(_REGISTRY)


def load_handlers(extra_modules: list[str] | None = None) -> dict[str, HandlerSpec]:
    """Import pgconveyor.ops.demo_handlers.* and every module named in CONVEYOR_HANDLERS or extra_modules."""
    from pgconveyor.ops import demo_handlers as builtin

    for info in pkgutil.iter_modules(builtin.__path__, prefix=f"{builtin.__name__}."):
        importlib.import_module(info.name)
    names = [m.strip() for m in os.environ.get("CONVEYOR_HANDLERS", "").split(",") if m.strip()]
    names += extra_modules or []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(f"cannot import handler module {name!r}: {exc}") from exc
    return registry()
