"""Execution modes from the environment: PRIMARY_EXECUTOR, INNGEST_FALLBACK, DUAL_RUN_MODE, PROCESS_PGMQ.

The mode lives in the database (rows of ``conveyor.settings``, read by ``conveyor.dispatch``);
these variables set it when a runner starts, and only the ones that are set:
an unset variable leaves the stored value alone, so ``conveyor mode set`` at run
time is not undone by a restart without them. Bad values are start-up errors.

| mode             | PRIMARY_EXECUTOR     | INNGEST_FALLBACK | DUAL_RUN_MODE | jobs table | pgmq | Inngest |
|------------------|----------------------|------------------|---------------|------------|------|---------|
| postgres primary | postgres (supabase)  | false            | false         | yes        | yes  | no      |
| inngest primary  | inngest              | -                | -             | no         | yes  | yes     |
| fallback         | postgres             | true             | false         | yes        | yes  | yes     |
| dual run         | postgres             | -                | true          | yes        | yes  | yes     |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pgconveyor.core import queries
from pgconveyor.core.config import ConfigError

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
EXECUTORS = {"postgres": "postgres", "supabase": "postgres", "inngest": "inngest"}


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def parse_executor(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in EXECUTORS:
        raise ConfigError(f"{name} must be postgres (or supabase) or inngest, got {raw!r}")
    return EXECUTORS[value]


def mode_from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The flags that are set in the environment (absent keys: not set)."""
    env = os.environ if env is None else env
    mode: dict[str, Any] = {}
    if env.get("PRIMARY_EXECUTOR", "").strip():
        mode["primary_executor"] = parse_executor("PRIMARY_EXECUTOR", env["PRIMARY_EXECUTOR"])
    if env.get("INNGEST_FALLBACK", "").strip():
        mode["inngest_fallback"] = parse_bool("INNGEST_FALLBACK", env["INNGEST_FALLBACK"])
    if env.get("DUAL_RUN_MODE", "").strip():
        mode["dual_run"] = parse_bool("DUAL_RUN_MODE", env["DUAL_RUN_MODE"])
    return mode


def flag_from_env(name: str, default: bool, env: Mapping[str, str] | None = None) -> bool:
    """A true/false variable: ``default`` when unset or empty, a ConfigError when it is neither."""
    env = os.environ if env is None else env
    raw = env.get(name, "").strip()
    return parse_bool(name, raw) if raw else default


def process_pgmq_from_env(env: Mapping[str, str] | None = None) -> bool:
    """PROCESS_PGMQ: on unless set to false. pgmq routes are default routes; their work must not wait for a flag."""
    return flag_from_env("PROCESS_PGMQ", True, env)


def fair_from_env(env: Mapping[str, str] | None = None) -> bool:
    """CONVEYOR_FAIR: ``conveyor worker --fair`` when no --fair / --no-fair is given; off unless set."""
    return flag_from_env("CONVEYOR_FAIR", False, env)


def set_mode(conn: Any, primary: str | None, fallback: bool | None, dual: bool | None) -> dict[str, Any]:
    return conn.execute(queries.SET_EXECUTION_MODE, (primary, fallback, dual)).fetchone()[0]


def show_mode(conn: Any) -> dict[str, Any]:
    return conn.execute(queries.EXECUTION_MODE).fetchone()[0]


def apply_env_mode(conn: Any, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Write the flags set in the environment to the mode's settings; returns the mode now in force."""
    mode = mode_from_env(env)
    if not mode:
        return show_mode(conn)
    return set_mode(conn, mode.get("primary_executor"), mode.get("inngest_fallback"), mode.get("dual_run"))
