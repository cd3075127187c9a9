"""The shipped code sets (code_sets/): a content-addressed store that gives `migrate --to` the same files as before.

Each version's manifest lists its files in apply order by the hash of their text;
each text is stored once in code_sets/blobs/. These tests read files only (no
database): the store is whole and exact, and it gives back, byte for byte, what
the one-file-per-version code sets it replaced gave.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from pgconveyor.core.config import ConfigError
from pgconveyor.ops import code_sets
from pgconveyor.ops.code_sets import BLOBS, CODE_SETS_DIR, MANIFEST_SUFFIX, parse_manifest, shipped, text_hash

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = code_sets.shipped_versions()


def load_script() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("code_sets_script", ROOT / "scripts" / "code_sets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def git(*args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    r = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def old_file(version: str) -> str | None:
    """code_sets/<version>.sql as it was shipped before the store: in the tree, else the last one in git."""
    path = CODE_SETS_DIR / f"{version}.sql"
    if path.is_file():
        return path.read_text()
    deleted = (git("log", "-1", "--diff-filter=D", "--format=%H", "--", f"code_sets/{version}.sql") or "").strip()
    return git("show", f"{deleted}^:code_sets/{version}.sql") if deleted else None


def old_reader() -> types.ModuleType | None:
    """ops/code_sets.py as it was before the store (the reader migrate --to used), from git."""
    added = (git("log", "--diff-filter=A", "--format=%H", "--", f"code_sets/{BLOBS}") or "").split()
    # The parent of the commit that brought the store, or HEAD while it is not committed yet.
    for rev in [f"{c}^" for c in added[-1:]] + ["HEAD"]:
        source = git("show", f"{rev}:runner/pgconveyor/ops/code_sets.py")
        if source is not None and "def parse_shipped(" in source:
            break
    else:
        return None
    module = types.ModuleType("old_code_sets")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source, "old ops/code_sets.py", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module


def files_of(code: code_sets.CodeSet | None) -> list[tuple[str, str]]:
    assert code is not None
    return [(f.path, f.sql) for f in code.files]


def test_there_are_shipped_code_sets():
    assert len(VERSIONS) >= 18
    old_format = sorted(p.name for p in CODE_SETS_DIR.glob("*.sql"))
    assert old_format == [], "old-format code sets: run .venv/bin/python scripts/code_sets.py convert"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_store_gives_back_what_the_old_file_gave(version):
    # What rollback applies (find_code -> shipped) is the same (path, text) list, byte
    # for byte, as the old reader gave from code_sets/<version>.sql before the store.
    text = old_file(version)
    old = old_reader()
    if text is None or old is None:
        pytest.skip(f"no old code_sets/{version}.sql or old reader in this checkout's git history")
    before = old.parse_shipped(version, text, f"code_sets/{version}.sql")
    after = shipped(version)
    assert files_of(after) == files_of(before)
    assert [f.path for f in after.functions] == [f.path for f in before.functions]
    assert [f.path for f in after.cron] == [f.path for f in before.cron]
    assert after.checksum() == before.checksum()
    # The script's own copy of the old parser (for `convert`) reads it the same way.
    assert load_script().parse_legacy(text) == files_of(before)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_whole_and_exact(version):
    path = CODE_SETS_DIR / f"{version}{MANIFEST_SUFFIX}"
    manifest = parse_manifest(path.read_text(), str(path))
    assert manifest.version == version
    assert manifest.render() == path.read_text(), "not in the canonical form the script writes"
    assert manifest.entries and len({p for p, _ in manifest.entries}) == len(manifest.entries)
    for file_path, digest in manifest.entries:
        blob = CODE_SETS_DIR / BLOBS / f"{digest}.sql"
        assert blob.is_file(), f"{version}: {file_path}'s blob {blob.name} is missing"
        assert text_hash(blob.read_bytes().decode()) == digest, f"{blob.name} does not hash to its name"
    code = shipped(version)  # also checks the header's sha256 against the files
    assert code is not None and code.checksum()[:16] == manifest.checksum


def test_no_blob_is_unreferenced_and_every_blob_hashes_to_its_name():
    used = {
        d for v in VERSIONS for _, d in parse_manifest((CODE_SETS_DIR / f"{v}{MANIFEST_SUFFIX}").read_text()).entries
    }
    blobs = {p.stem: p for p in (CODE_SETS_DIR / BLOBS).iterdir()}
    assert sorted(set(blobs) - used) == [], "blobs no manifest lists: run scripts/code_sets.py"
    for digest, blob in blobs.items():
        assert blob.suffix == ".sql" and text_hash(blob.read_bytes().decode()) == digest, blob.name


FILES = [
    ("functions/core/0100_function_a.sql", "create function a();\n"),
    ("functions/core/0200_function_b.sql", "-- @file not a mark any more\ncreate function b();\n"),
    ("cron/0100_cron.sql", "create function a();\n"),  # the same text as a: one blob
]


def test_store_then_read_round_trips_and_prunes(tmp_path):
    script = load_script()
    manifest = code_sets.manifest_of("0002_b", "abcdef012345", "2026-12-01T00:00:00+00:00", FILES)
    assert script.store(manifest, FILES, tmp_path) is True
    assert script.store(manifest, FILES, tmp_path) is False  # deterministic: nothing to rewrite
    assert len(list((tmp_path / BLOBS).iterdir())) == 2
    code = shipped("0002_b", tmp_path)
    assert files_of(code) == FILES and [f.path for f in code.cron] == ["cron/0100_cron.sql"]
    assert code.source == "code_sets/0002_b.txt"
    assert shipped("0001_a", tmp_path) is None
    assert code_sets.shipped_versions(tmp_path) == ["0002_b"]

    stale = tmp_path / BLOBS / f"{text_hash('old text')}.sql"
    stale.write_text("old text")
    assert script.prune(tmp_path) == [stale]
    left = sorted((tmp_path / BLOBS).iterdir())
    assert script.prune(tmp_path, wanted=set()) == [tmp_path / "0002_b.txt", *left]
    assert list((tmp_path / BLOBS).iterdir()) == []


def test_a_damaged_store_is_refused(tmp_path):
    script = load_script()
    manifest = code_sets.manifest_of("0002_b", "abcdef012345", "2026-12-01T00:00:00+00:00", FILES)
    script.store(manifest, FILES, tmp_path)
    blob = tmp_path / BLOBS / f"{text_hash(FILES[1][1])}.sql"
    blob.write_text(FILES[1][1].replace("b()", "c()"))
    with pytest.raises(ConfigError, match="does not hash to its name"):
        shipped("0002_b", tmp_path)
    blob.unlink()
    with pytest.raises(ConfigError, match="is missing"):
        shipped("0002_b", tmp_path)
    with pytest.raises(ValueError, match="white space"):
        code_sets.manifest_of("0002_b", "c", "d", [("functions/a b.sql", "x\n")])
    with pytest.raises(ValueError, match="does not list these files"):
        script.store(manifest, FILES[:2], tmp_path)


def test_convert_keeps_the_old_files_texts_and_header(tmp_path):
    script = load_script()
    old = (
        "-- conveyor code set 0002_b: functions/ and cron/ as of commit abcdef012345 (2026-12-01T00:00:00+00:00).\n"
        "-- Generated by scripts/code_sets.py for `conveyor migrate --to`; do not edit.\n"
        f"-- sha256 {code_sets.manifest_of('x', '', '', FILES[:1]).checksum}\n"
        f"-- @file {FILES[0][0]}\n{FILES[0][1]}"
    )
    (tmp_path / "0002_b.sql").write_text(old)
    assert script.convert(tmp_path) == ["0002_b"]
    assert not (tmp_path / "0002_b.sql").exists()
    assert files_of(shipped("0002_b", tmp_path)) == FILES[:1]
    manifest = parse_manifest((tmp_path / "0002_b.txt").read_text())
    assert (manifest.commit, manifest.date) == ("abcdef012345", "2026-12-01T00:00:00+00:00")
