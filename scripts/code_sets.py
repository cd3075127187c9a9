"""Write code_sets/: the functions/ and cron/ files each released schema version ran with.

``conveyor migrate --to VERSION`` rolls the versioned schema back with the
.rollback.sql files, then needs the repeatable code (functions, views, grants, cron)
that fits that schema: functions/ holds only today's. A database records the code it
last ran at each version (conveyor.code_sets), but a database migrated straight to
the newest version never ran the older ones. This script ships them, taken from git,
as a content-addressed store (format: runner/pgconveyor/ops/code_sets.py): one
``code_sets/blobs/<hash>.sql`` per distinct file text and one manifest
``code_sets/<version>.txt`` per version, so a file unchanged across versions is
stored once.

For every migration but the newest, the code set of version V is the tree of the
newest commit in HEAD's history whose migrations are exactly those up to V in
yoyo's order (the state a release at V had). When no commit ever had exactly that
set (parallel branches merged out of migration order, or two migrations landed in
one commit), the newest commit whose migrations are a subset containing V is used,
else the oldest commit that has V, and the script says so.

Run it whenever a migration lands (tests/integration/test_rollback.py fails until
it has been). It writes the manifest of every version that has none (the version
that was the newest until now), leaves every existing manifest alone (a shipped code
set is what users' rollbacks rely on, and several were written by hand from the
commit a release really had), then removes the manifests of versions that are the
newest or gone and every blob no manifest uses:

    .venv/bin/python scripts/code_sets.py
    .venv/bin/python scripts/code_sets.py --rewrite   # every version from its chosen commit (check the diff)

To write one version's code set from a commit you choose (overriding the choice
above, e.g. when that commit's code is the one a release really had):

    .venv/bin/python scripts/code_sets.py write VERSION COMMIT

or, from Python, ``write_code_set(version, commit)`` of this module (it is
``store(render(version, commit, files), files)`` with ``files = normalized(code_files_at(commit))``).
A later plain run leaves it alone; only ``--rewrite`` chooses again.

Code sets in the format before the store (one ``code_sets/<version>.sql`` holding
every file's text after a ``-- @file <path>`` line), as an older branch may bring in
a merge, are converted from the files themselves, not from git (some were written
by hand from specific commits), then deleted:

    .venv/bin/python scripts/code_sets.py convert
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "runner"))

from pgconveyor.ops.code_sets import (  # noqa: E402
    BLOBS,
    CODE_SETS_DIR,
    MANIFEST_SUFFIX,
    Manifest,
    in_apply_order,
    manifest_of,
    migration_order,
    parse_manifest,
    shipped,
    text_hash,
)

# The old format: a header, then each file's path after this mark and its text.
LEGACY_FILE_MARK = "-- @file "
LEGACY_HEAD = re.compile(r"-- conveyor code set (\S+): functions/ and cron/ as of commit ([0-9a-f]+) \((\S+)\)\.$")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def migrations_at(commit: str) -> frozenset[str]:
    names = git("ls-tree", "--name-only", commit, "migrations/").split()
    return frozenset(
        Path(n).name.removesuffix(".sql") for n in names if n.endswith(".sql") and not n.endswith(".rollback.sql")
    )


def code_files_at(commit: str) -> list[tuple[str, str]]:
    """(path, text) of every functions/ and cron/ file at commit, in the order migrate applied them then."""
    listed = git("ls-tree", "-r", "--name-only", commit, "functions/", "cron/").split()
    out = []
    for folder in ("functions/", "cron/"):
        for path in in_apply_order(p for p in listed if p.startswith(folder) and p.endswith(".sql")):
            out.append((path, git("show", f"{commit}:{path}")))
    return out


def choose_commit(prefix: frozenset[str], version: str, history: list[tuple[str, frozenset[str]]]) -> tuple[str, bool]:
    for commit, migs in history:  # newest first
        if migs == prefix:
            return commit, True
    for commit, migs in history:
        if version in migs and migs <= prefix:
            return commit, False
    for commit, migs in reversed(history):  # the oldest that has it
        if version in migs:
            return commit, False
    raise SystemExit(f"no commit in HEAD's history has migration {version}: commit it first")


def render(version: str, commit: str, files: list[tuple[str, str]]) -> Manifest:
    """The manifest of ``files`` (from code_files_at(commit)); texts are stored without trailing white space."""
    when = git("log", "-1", "--format=%cI", commit).strip()
    return manifest_of(version, commit[:12], when, normalized(files))


def normalized(files: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(path, text.rstrip() + "\n") for path, text in files]


def store(manifest: Manifest, files: list[tuple[str, str]], folder: Path = CODE_SETS_DIR) -> bool:
    """Write the blobs of ``files`` (their texts as they are) and the manifest; True when the manifest changed."""
    if list(manifest.entries) != [(p, text_hash(t)) for p, t in files]:
        raise ValueError(f"code set {manifest.version}: the manifest does not list these files")
    blobs = folder / BLOBS
    blobs.mkdir(parents=True, exist_ok=True)
    for (_, text), (_, digest) in zip(files, manifest.entries, strict=True):
        blob = blobs / f"{digest}.sql"
        if not blob.exists():
            blob.write_bytes(text.encode())
        elif blob.read_bytes() != text.encode():
            raise SystemExit(f"{blob}: another text has the same hash (or the blob was edited)")
    target = folder / f"{manifest.version}{MANIFEST_SUFFIX}"
    text = manifest.render()
    if target.exists() and target.read_text() == text:
        return False
    target.write_text(text)
    return True


def prune(folder: Path = CODE_SETS_DIR, wanted: set[str] | None = None) -> list[Path]:
    """Remove manifests not in ``wanted`` (versions; None keeps all), then every blob no manifest lists."""
    removed = []
    used: set[str] = set()
    for manifest in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
        if wanted is not None and manifest.name.removesuffix(MANIFEST_SUFFIX) not in wanted:
            manifest.unlink()
            removed.append(manifest)
            continue
        used.update(d for _, d in parse_manifest(manifest.read_text(), str(manifest)).entries)
    for blob in sorted((folder / BLOBS).glob("*.sql")):
        if blob.stem not in used:
            blob.unlink()
            removed.append(blob)
    return removed


def write_code_set(version: str, commit: str, folder: Path = CODE_SETS_DIR) -> bool:
    """Write ``version``'s code set from ``commit``'s functions/ and cron/ (by hand); True when it changed."""
    commit = git("rev-parse", "--verify", f"{commit}^{{commit}}").strip()
    files = normalized(code_files_at(commit))
    changed = store(render(version, commit, files), files, folder)
    prune(folder)
    return changed


def parse_legacy(text: str) -> list[tuple[str, str]]:
    """(path, text) of every file in an old-format code_sets/<version>.sql, exactly as migrate --to applied them."""
    files: list[tuple[str, str]] = []
    path: str | None = None
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.startswith(LEGACY_FILE_MARK):
            if path is not None:
                files.append((path, "".join(lines)))
            path, lines = line[len(LEGACY_FILE_MARK) :].strip(), []
        elif path is not None:
            lines.append(line)
    if path is not None:
        files.append((path, "".join(lines)))
    return files


def legacy_manifest(version: str, text: str) -> tuple[Manifest, list[tuple[str, str]]]:
    """The manifest and files of an old-format code set, its header facts kept as they are."""
    head = text.splitlines()[:3]
    found = LEGACY_HEAD.match(head[0]) if head else None
    if found is None or found[1] != version or not head[2].startswith("-- sha256 "):
        raise SystemExit(f"code_sets/{version}.sql: not the header scripts/code_sets.py wrote: {head}")
    files = parse_legacy(text)
    manifest = manifest_of(version, found[2], found[3], files)
    if manifest.checksum != head[2].removeprefix("-- sha256 ").strip():
        # The old script summed git's texts before trimming their trailing white space.
        print(f"note: code_sets/{version}.sql: its sha256 line is not the sum of its files; the manifest has the sum")
    return manifest, files


def convert(folder: Path = CODE_SETS_DIR, delete: bool = True) -> list[str]:
    """Turn every old-format <version>.sql in ``folder`` into a manifest and blobs, check, delete it."""
    done = []
    for old in sorted(folder.glob("*.sql")):
        version = old.name.removesuffix(".sql")
        text = old.read_text()
        manifest, files = legacy_manifest(version, text)
        store(manifest, files, folder)
        code = shipped(version, folder)
        if code is None or [(f.path, f.sql) for f in code.files] != files:
            raise SystemExit(f"{old}: the store does not give back the same files")
        if delete:
            old.unlink()
        done.append(version)
    return done


def main(args: list[str]) -> int:
    if args[:1] == ["write"] and len(args) == 3:
        changed = write_code_set(args[1], args[2])
        print(f"{'wrote' if changed else 'unchanged:'} code_sets/{args[1]}{MANIFEST_SUFFIX} from {args[2]}")
        return 0
    if args in (["convert"], ["convert", "--keep"]):
        for version in convert(delete="--keep" not in args):
            print(f"converted code_sets/{version}.sql to code_sets/{version}{MANIFEST_SUFFIX}")
        return 0
    rewrite = args == ["--rewrite"]
    if args and not rewrite:
        raise SystemExit("usage: scripts/code_sets.py [--rewrite | write VERSION COMMIT | convert [--keep]]")
    order = migration_order()
    commits = git("rev-list", "HEAD").split()
    history = [(c, migrations_at(c)) for c in commits]
    CODE_SETS_DIR.mkdir(exist_ok=True)
    if any(CODE_SETS_DIR.glob("*.sql")):
        raise SystemExit("code_sets/ has old-format <version>.sql files: run `scripts/code_sets.py convert` first")
    wanted = set()
    for i, version in enumerate(order[:-1]):
        wanted.add(version)
        if not rewrite and (CODE_SETS_DIR / f"{version}{MANIFEST_SUFFIX}").exists():
            continue  # shipped: users' rollbacks rely on it; some were written by hand (see above)
        prefix = frozenset(order[: i + 1])
        commit, exact = choose_commit(prefix, version, history)
        files = normalized(code_files_at(commit))
        if store(render(version, commit, files), files):
            print(f"wrote code_sets/{version}{MANIFEST_SUFFIX} from {commit[:12]}")
        if not exact:
            print(
                f"note: no commit ever had exactly the migrations up to {version}; used {commit[:12]}, "
                "whose migrations differ: tests/integration/test_rollback.py checks that its code fits"
            )
    for stale in prune(CODE_SETS_DIR, wanted):
        print(f"removed {stale.relative_to(ROOT)} (no longer used: its migration is the newest, or gone)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
