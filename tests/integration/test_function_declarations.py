"""Issue 11, item 3: every function declares its security explicitly, and the catalog agrees.

Postgres defaults to security invoker, so pg_proc alone cannot tell a declared invoker
from a forgotten clause: the source is read too. A definer must say why in a comment.
"""

from __future__ import annotations

import re

from pgconveyor.core.config import FUNCTIONS_DIR

HEADER = re.compile(r"create or replace function\s+([\w.]+)\s*\((.*?)^as \$\$", re.S | re.M)


def declarations() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(FUNCTIONS_DIR.rglob("*.sql")):
        text = path.read_text()
        for m in HEADER.finditer(text):
            found.append((str(path.relative_to(FUNCTIONS_DIR)), m.group(1), m.group(2)))
    return found


def test_every_function_declares_its_security():
    decls = declarations()
    assert len(decls) > 50
    missing = [
        f"{path}: {name}"
        for path, name, head in decls
        if len(re.findall(r"^security (invoker|definer)$", head, re.M)) != 1
    ]
    assert missing == [], "declare `security invoker` (or definer, on purpose, with a comment):\n" + "\n".join(missing)


def test_definers_are_declared_and_explained(conn):
    schemas = sorted({name.split(".")[0] for _, name, _ in declarations()})
    in_catalog = {
        r[0]
        for r in conn.execute(
            "select n.nspname || '.' || p.proname from pg_proc as p join pg_namespace as n on n.oid = p.pronamespace"
            " where n.nspname = any(%s) and p.prosecdef",
            (schemas,),
        )
    }
    declared = {name for _, name, head in declarations() if re.search(r"^security definer$", head, re.M)}
    assert in_catalog == declared
    for path in sorted(FUNCTIONS_DIR.rglob("*.sql")):
        text = path.read_text()
        if re.search(r"^security definer$", text, re.M):
            assert re.search(r"^--.*definer", text, re.M | re.I), f"{path}: say in a comment why it is a definer"


def test_the_identifier_rule_is_not_repeated_in_python():
    """The rule is the database's (the domain conveyor.identifier); the runner asks it, never copies it."""
    runner = FUNCTIONS_DIR.parent / "runner"
    copies = [str(p) for p in runner.rglob("*.py") if "[a-z][a-z0-9_]{0," in p.read_text()]
    assert copies == []
