"""Where things are: the project's SQL folders and the database to use."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("CONVEYOR_HOME", Path(__file__).resolve().parents[3]))
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
CRON_DIR = PROJECT_ROOT / "cron"

# The embedded cluster's database; pg_cron runs its jobs in this one.
EMBEDDED_DBNAME = "conveyor"


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


def database_url() -> str:
    """DATABASE_URL when set; otherwise the embedded cluster's URL (which must be running)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    from pgconveyor.ops import cluster

    return cluster.Cluster.default().url()


def using_embedded() -> bool:
    return not os.environ.get("DATABASE_URL", "").strip()
