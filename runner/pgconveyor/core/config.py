"""Where things are: the project's SQL folders and the database to use."""

from __future__ import annotations

import hashlib
import os
import pwd
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("CONVEYOR_HOME", Path(__file__).resolve().parents[3]))
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
CRON_DIR = PROJECT_ROOT / "cron"

# The embedded cluster's database; pg_cron runs its jobs in this one.
EMBEDDED_DBNAME = "conveyor"


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


def embedded_port(root: Path = PROJECT_ROOT) -> int:
    """The embedded cluster's port: CONVEYOR_PGPORT, else one per checkout (two clones never collide)."""
    if os.environ.get("CONVEYOR_PGPORT"):
        return int(os.environ["CONVEYOR_PGPORT"])
    digest = hashlib.sha256(str(root).encode()).digest()
    return 54000 + int.from_bytes(digest[:2], "big") % 900


def embedded_user() -> str:
    return "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def embedded_url(dbname: str = EMBEDDED_DBNAME, port: int | None = None) -> str:
    return f"postgresql://{embedded_user()}@127.0.0.1:{port or embedded_port()}/{dbname}"


def database_url() -> str:
    """DATABASE_URL when set; otherwise the embedded cluster's URL (``conveyor db start`` runs it)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return embedded_url()


def using_embedded() -> bool:
    return not os.environ.get("DATABASE_URL", "").strip()
