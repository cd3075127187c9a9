"""The runner's import rules, checked from the source (run by `make lint`; tests/unit runs it too).

1. Layers point one way: ``pgconveyor.core`` imports neither ``sources`` nor ``ops``;
   ``pgconveyor.sources`` does not import ``ops``. Imports inside functions count.
2. No import cycles between modules of ``pgconveyor`` (lazy imports included: a cycle
   hidden in a function is still two modules that cannot be understood apart).

Plain ``ast``, no dependency: the same contract as import-linter's layers contract,
plus the cycle check it does not have.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "runner"
PACKAGE = "pgconveyor"
LAYERS = ["pgconveyor.ops", "pgconveyor.sources", "pgconveyor.core"]  # higher first


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path, name: str) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith(PACKAGE):
                continue
            found.add(mod)
            for alias in node.names:  # `from pgconveyor.ops import cli` imports a module
                found.add(f"{mod}.{alias.name}")
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in (ROOT / PACKAGE).rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports_of(path, name) if m in modules and m != name}
    return edges


def layer_of(module: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            return i
    return None


def layer_violations(edges: dict[str, set[str]]) -> list[str]:
    out = []
    for src, targets in sorted(edges.items()):
        ls = layer_of(src)
        for dst in sorted(targets):
            ld = layer_of(dst)
            if ls is not None and ld is not None and ld < ls:
                out.append(f"{src} imports {dst}: {LAYERS[ls]} must not import {LAYERS[ld]}")
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            # A package's __init__ re-exporting its children is not a cycle of meaning.
            if v == PACKAGE:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    edges = graph()
    problems = layer_violations(edges) + [f"import cycle: {' <-> '.join(c)}" for c in cycles(edges)]
    for p in problems:
        print(f"check_imports: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
