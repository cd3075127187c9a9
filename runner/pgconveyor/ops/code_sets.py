"""Code sets: the repeatable code (functions/, cron/) that goes with each schema version.

A schema version is named by its newest migration id in yoyo's order. The code set
of the newest version is today's functions/ and cron/ folders. Every migrate records
the set it applied in ``conveyor.code_sets`` (through ``conveyor.record_code_set``),
so a database knows the code it last ran at each version it has been at; releases
ship the sets of older versions in ``code_sets/`` (written by ``scripts/code_sets.py``
from git) for databases that never ran them.
``conveyor migrate --to VERSION`` (ops/rollback.py) re-applies the set of VERSION
after rolling the schema back.

The shipped sets are a content-addressed store, since most files are the same from
one version to the next:

- ``code_sets/blobs/<hash>.sql``: one file per distinct file text, exactly the text
  migrate applies, named by the first 16 hex digits of its sha256;
- ``code_sets/<version>.txt``: the manifest of one version. Comment lines (``#``),
  then ``version``, ``commit``, ``date`` and ``sha256`` lines (the checksum of the
  whole set: sha256 over every path followed by its text, in order, 16 hex digits),
  a blank line, then one ``<path> <hash>`` line per file in apply order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TypeVar

import psycopg

from pgconveyor.core.config import CRON_DIR, FUNCTIONS_DIR, MIGRATIONS_DIR, PROJECT_ROOT, ConfigError

P = TypeVar("P", Path, str)

CODE_SETS_DIR = PROJECT_ROOT / "code_sets"
BLOBS = "blobs"  # the folder of file texts, inside a code_sets folder
MANIFEST_SUFFIX = ".txt"
HASH_LEN = 16  # hex digits of sha256 kept in names and checksums: 64 bits
HEADER_KEYS = ("version", "commit", "date", "sha256")


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
    source: str  # where it came from: "functions/", "database", "code_sets/<v>.txt"

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
    """Every .sql file below ``folder``, in apply order (``in_apply_order``)."""
    return in_apply_order(folder.rglob("*.sql"))


def in_apply_order(paths: Iterable[P]) -> list[P]:
    """SQL files in the order migrate applies them: by the numeric prefix of the file name.

    functions/ is grouped by concern in subfolders (core, schedules, health, routing,
    pgmq, outbox, grants); the prefix alone, not the folder, decides the order, so a
    file can move between folders without changing what is created before it. A file
    named test* is a test, not code. ``paths`` are files on disk or paths in a git tree.
    """
    code = [p for p in paths if not PurePath(p).name.startswith("test")]
    return sorted(code, key=lambda p: (PurePath(p).name, str(p)))


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


def text_hash(text: str) -> str:
    """The name of ``text`` in the store: its sha256, first 16 hex digits."""
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LEN]


@dataclass(frozen=True)
class Manifest:
    """One shipped version: where its code came from and, in apply order, (path, hash) of each file."""

    version: str
    commit: str
    date: str
    checksum: str
    entries: tuple[tuple[str, str], ...]

    def render(self) -> str:
        head = [
            f"# conveyor code set {self.version}: functions/ and cron/ in apply order, each as <path> <hash>",
            f"# (its text is code_sets/{BLOBS}/<hash>.sql). Written by scripts/code_sets.py; do not edit.",
            f"version {self.version}",
            f"commit {self.commit}",
            f"date {self.date}",
            f"sha256 {self.checksum}",
            "",
        ]
        return "\n".join(head + [f"{path} {digest}" for path, digest in self.entries]) + "\n"


def manifest_of(version: str, commit: str, date: str, files: list[tuple[str, str]]) -> Manifest:
    """The manifest of ``files`` ((path, text) in apply order), with the checksum CodeSet.checksum gives."""
    for path, _ in files:
        if not path or any(c.isspace() for c in path):
            raise ValueError(f"code set {version}: path {path!r} is empty or has white space")
    code = CodeSet(version, tuple(CodeFile(p, t) for p, t in files), "")
    entries = tuple((p, text_hash(t)) for p, t in files)
    return Manifest(version, commit, date, code.checksum()[:HASH_LEN], entries)


def parse_manifest(text: str, source: str = "manifest") -> Manifest:
    header: dict[str, str] = {}
    entries: list[tuple[str, str]] = []
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    try:
        blank = lines.index("")
    except ValueError:
        raise ConfigError(f"{source}: no blank line between the header and the files") from None
    for line in lines[:blank]:
        key, _, value = line.partition(" ")
        header[key] = value
    if sorted(header) != sorted(HEADER_KEYS):
        raise ConfigError(f"{source}: header has {sorted(header)}, wants {list(HEADER_KEYS)}")
    for line in lines[blank + 1 :]:
        path, _, digest = line.rpartition(" ")
        if not path or len(digest) != HASH_LEN:
            raise ConfigError(f"{source}: bad line {line!r}, wants <path> <hash>")
        entries.append((path, digest))
    return Manifest(header["version"], header["commit"], header["date"], header["sha256"], tuple(entries))


def read_blob(folder: Path, digest: str) -> str:
    """The text stored under ``digest``, checked against its name."""
    path = folder / BLOBS / f"{digest}.sql"
    if not path.is_file():
        raise ConfigError(f"code_sets/{BLOBS}/{path.name} is missing")
    text = path.read_bytes().decode()
    if text_hash(text) != digest:
        raise ConfigError(f"code_sets/{BLOBS}/{path.name} does not hash to its name: it was edited")
    return text


def shipped_versions(folder: Path | None = None) -> list[str]:
    """The versions with a manifest in ``folder`` (default code_sets/), sorted by name."""
    folder = folder or CODE_SETS_DIR
    return sorted(p.name.removesuffix(MANIFEST_SUFFIX) for p in folder.glob(f"*{MANIFEST_SUFFIX}"))


def shipped(version: str, folder: Path | None = None) -> CodeSet | None:
    """The code set shipped for ``version``, each text checked against its hash and the whole against the manifest."""
    folder = folder or CODE_SETS_DIR
    path = folder / f"{version}{MANIFEST_SUFFIX}"
    if not path.is_file():
        return None
    source = f"code_sets/{path.name}"
    manifest = parse_manifest(path.read_text(), source)
    if manifest.version != version:
        raise ConfigError(f"{source} says it is version {manifest.version}")
    code = CodeSet(version, tuple(CodeFile(p, read_blob(folder, d)) for p, d in manifest.entries), source)
    if code.checksum()[:HASH_LEN] != manifest.checksum:
        raise ConfigError(f"{source}: the files do not add up to its sha256 {manifest.checksum}")
    return code


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
