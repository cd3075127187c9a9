"""Code sets: the repeatable code (functions/, cron/) that goes with each schema version.

A schema version is named by its newest migration id in yoyo's order. The code set
of the newest version is today's functions/ and cron/ folders. Every migrate records
the set it applied in ``conveyor.code_sets`` (through ``conveyor.record_code_set``),
so a database knows the code it last ran at each version it has been at; releases
ship the sets of older versions in ``code_sets/<version>.sql`` (written by
``scripts/code_sets.py`` from git) for databases that never ran them.
``conveyor migrate --to VERSION`` (ops/rollback.py) re-applies the set of VERSION
after rolling the schema back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import psycopg

from pgconveyor.core.config import CRON_DIR, FUNCTIONS_DIR, MIGRATIONS_DIR, PROJECT_ROOT

CODE_SETS_DIR = PROJECT_ROOT / "code_sets"
# Marks the start of each file in a shipped code set: the file's path follows.
FILE_MARK = "-- @file "


@dataclass(frozen=True)
class CodeFile:
    path: str  # functions/... or cron/...
    sql: str

    @property
    def is_cron(self) -> bool:
        return self.path.startswith("cron/")


@dataclass(frozen=True)
class CodeSet:
    version: str
    files: tuple[CodeFile, ...]
    source: str  # where it came from: "functions/", "database", "code_sets/<v>.sql"

    @property
    def functions(self) -> list[CodeFile]:
        return [f for f in self.files if not f.is_cron]

    @property
    def cron(self) -> list[CodeFile]:
        return [f for f in self.files if f.is_cron]

    def checksum(self) -> str:
        return hashlib.sha256("".join(f.path + f.sql for f in self.files).encode()).hexdigest()

    def as_json(self) -> str:
        return json.dumps([{"path": f.path, "sql": f.sql} for f in self.files])


def sql_files(folder: Path) -> list[Path]:
    """Every .sql file below ``folder``, in the order of its numeric prefix.

    functions/ is grouped by concern in subfolders (core, schedules, health, routing,
    pgmq, outbox, grants); the prefix alone, not the folder, decides the order, so a
    file can move between folders without changing what is created before it.
    """
    files = [p for p in folder.rglob("*.sql") if not p.name.startswith("test")]
    return sorted(files, key=lambda p: (p.name, str(p)))


def migration_order(folder: Path = MIGRATIONS_DIR) -> list[str]:
    """Every migration id in the order yoyo applies them (dependencies first, then by id)."""
    from yoyo import read_migrations
    from yoyo.migrations import topological_sort

    return [m.id for m in topological_sort(read_migrations(str(folder)))]


def current(version: str) -> CodeSet:
    """Today's functions/ and cron/ folders, as the code set of ``version`` (the newest)."""
    files = [CodeFile(f"functions/{p.relative_to(FUNCTIONS_DIR)}", p.read_text()) for p in sql_files(FUNCTIONS_DIR)]
    if CRON_DIR.is_dir():
        files += [CodeFile(f"cron/{p.relative_to(CRON_DIR)}", p.read_text()) for p in sql_files(CRON_DIR)]
    return CodeSet(version, tuple(files), "functions/")


def parse_shipped(version: str, text: str, source: str) -> CodeSet:
    files: list[CodeFile] = []
    path: str | None = None
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith(FILE_MARK):
            if path is not None:
                files.append(CodeFile(path, "".join(lines)))
            path, lines = line[len(FILE_MARK) :].strip(), []
        elif path is not None:
            lines.append(line)
    if path is not None:
        files.append(CodeFile(path, "".join(lines)))
    return CodeSet(version, tuple(files), source)


def shipped(version: str) -> CodeSet | None:
    path = CODE_SETS_DIR / f"{version}.sql"
    if not path.is_file():
        return None
    return parse_shipped(version, path.read_text(), f"code_sets/{path.name}")


def recorded(conn: psycopg.Connection, version: str) -> CodeSet | None:
    """The code set this database last ran at ``version``, if it has recorded one."""
    exists = conn.execute("select pg_catalog.to_regproc('conveyor.code_set') is not null").fetchone()[0]
    if not exists:
        return None
    row = conn.execute("select conveyor.code_set(%s)", (version,)).fetchone()[0]
    if row is None:
        return None
    files = tuple(CodeFile(f["path"], f["sql"]) for f in row)
    return CodeSet(version, files, "database")


def record(conn: psycopg.Connection, code: CodeSet) -> None:
    conn.execute("select conveyor.record_code_set(%s, %s::jsonb)", (code.version, code.as_json()))
