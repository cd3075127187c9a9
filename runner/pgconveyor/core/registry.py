"""Handler registry: ``@handler("calendar_sync")`` marks a function that runs jobs of that type.

Handlers are plain functions or coroutines taking one argument, the Job. A worker
loads the modules named in ``CONVEYOR_HANDLERS`` (comma-separated) and ``--handlers``;
nothing else. The demo's handlers (``pgconveyor.ops.demo_handlers``) load only for
``conveyor demo``, so a user's module can register any job type, the seed's included.
Two handlers for one type are a ``HandlerConflict`` naming both.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pgconveyor.core.config import ConfigError


@dataclass(frozen=True)
class HandlerSpec:
    job_type: str
    func: Callable[..., Any]
    is_async: bool
    timeout: float | None = None


_REGISTRY: dict[str, HandlerSpec] = {}

DEMO_HANDLERS = "pgconveyor.ops.demo_handlers"


class HandlerConflict(ConfigError):
    """Two different functions registered for one job type."""


def _where(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


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
        if existing is not None and existing.func is not func and _where(existing.func) != _where(func):
            raise HandlerConflict(
                f"job type {job_type!r} has two handlers: {_where(existing.func)} and {_where(func)}; keep one"
            )
        _REGISTRY[job_type] = HandlerSpec(job_type, func, inspect.iscoroutinefunction(func), timeout)
        return func

    return decorate


def registry() -> dict[str, HandlerSpec]:
    return dict(_REGISTRY)


def load_handlers(extra_modules: list[str] | None = None, *, demo: bool = False) -> dict[str, HandlerSpec]:
    """Import every module named in CONVEYOR_HANDLERS or extra_modules (and the demo's with ``demo``)."""
    names = [DEMO_HANDLERS] if demo else []
    names += [m.strip() for m in os.environ.get("CONVEYOR_HANDLERS", "").split(",") if m.strip()]
    names += extra_modules or []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(f"cannot import handler module {name!r}: {exc}") from exc
        if hasattr(module, "__path__"):  # a package: its modules too
            for info in pkgutil.iter_modules(module.__path__, prefix=f"{module.__name__}."):
                importlib.import_module(info.name)
    return registry()
