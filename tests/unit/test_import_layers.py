"""The runner's import rules (scripts/check_imports.py, also run by make lint)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_imports.py"
spec = importlib.util.spec_from_file_location("check_imports", SCRIPT)
check_imports = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_imports)


def test_the_package_keeps_its_layers_and_has_no_cycles():
    edges = check_imports.graph()
    assert "pgconveyor.core.worker" in edges and "pgconveyor.ops.cli" in edges
    assert check_imports.layer_violations(edges) == []
    assert check_imports.cycles(edges) == []


def test_a_core_module_importing_ops_is_a_violation():
    edges = {"pgconveyor.core.config": {"pgconveyor.ops.cluster"}, "pgconveyor.ops.cluster": set()}
    [problem] = check_imports.layer_violations(edges)
    assert "pgconveyor.core must not import pgconveyor.ops" in problem


def test_sources_may_import_core_but_not_ops():
    ok = {"pgconveyor.sources.pgmq": {"pgconveyor.core.db"}, "pgconveyor.core.db": set()}
    assert check_imports.layer_violations(ok) == []
    bad = {"pgconveyor.sources.pgmq": {"pgconveyor.ops.cli"}, "pgconveyor.ops.cli": set()}
    assert len(check_imports.layer_violations(bad)) == 1


def test_a_lazy_cycle_is_found():
    edges = {
        "pgconveyor.ops.cli": {"pgconveyor.ops.demo"},
        "pgconveyor.ops.demo": {"pgconveyor.ops.cli"},
        "pgconveyor.ops.http": {"pgconveyor.ops.cli"},
    }
    assert check_imports.cycles(edges) == [["pgconveyor.ops.cli", "pgconveyor.ops.demo"]]


def test_imports_inside_functions_count(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from pgconveyor.ops import cli\n    import pgconveyor.core.db\n")
    found = check_imports.imports_of(module, "pgconveyor.core.m")
    assert {"pgconveyor.ops.cli", "pgconveyor.core.db"} <= found
