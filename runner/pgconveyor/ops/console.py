"""What every ``conveyor`` command shares: its connection, its usage error, the status table.

Kept apart from ``ops.cli`` so that the command modules (cli_routing, cli_schedule,
demo, doctor, http) import this and ``ops.cli`` imports them: the arrows point one way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg

from pgconveyor.core import db
from pgconveyor.core.config import ConfigError, database_url, using_embedded


class UsageError(Exception):
    pass


def require_embedded_running() -> None:
    """A clear error when the embedded cluster is the database to use and it is not running."""
    if using_embedded():
        from pgconveyor.ops.cluster import Cluster

        if not Cluster.default().running():
            raise ConfigError(
                "the embedded database is not running: start it with `conveyor db start` "
                "(or set DATABASE_URL to use another server)"
            )


def connect() -> psycopg.Connection[Any]:
    """A connection to DATABASE_URL, or to the embedded cluster (a clear error when it is not running)."""
    require_embedded_running()
    return db.connect(database_url())


def parse_payload(text: str) -> Any:
    """``--payload`` as JSON; a UsageError naming the option when it is not."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--payload is not valid JSON: {exc}") from exc


def records(cur: psycopg.Cursor[Any], rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """``rows`` of ``cur``'s query as JSON objects, keyed by the query's own column names."""
    names = [c.name for c in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in rows]


def headline(text: str | None, width: int) -> str:
    """The first line of a stored error text, cut to ``width`` ("" for none or an empty one)."""
    lines = (text or "").splitlines()
    return lines[0][:width] if lines else ""


def format_table(header: Sequence[Any], rows: Sequence[Sequence[Any]], *, right: bool = False) -> list[str]:
    """A text table: a header, a rule, the rows; each column as wide as its widest cell.

    Left-aligned, or with ``right`` every column but the first right-aligned. Lines
    carry no trailing blanks.
    """
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(c) for c in col) for col in zip(*cells, strict=True)]
    cells.insert(1, ["-" * w for w in widths])
    return [
        "  ".join(
            c.rjust(w) if right and i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.1f}s"
    if seconds < 7200:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


def render_status(rows: Sequence[tuple[Any, ...]]) -> str:
    header = [
        "job type",
        "ready",
        "scheduled",
        "running",
        "failed",
        "completed 24h",
        "dead",
        "oldest ready",
        "workers",
    ]
    table = []
    notes = []
    for r in rows:
        job_type, ready, scheduled, running, retrying, completed, dead, oldest, workers = r
        table.append([job_type, ready, scheduled, running, retrying, completed, dead, _age(oldest), workers])
        if (ready or scheduled) and not workers:
            notes.append(f"{job_type}: {ready + scheduled} job(s) waiting with no handler in any live worker")
    lines = format_table(header, table, right=True)
    lines.append("(failed: waiting to retry after a failed attempt; dead: in the dead-letter table)")
    if notes:
        lines.append("")
        lines.extend(f"! {n}" for n in notes)
    return "\n".join(lines)
