"""conveyor migrate --to VERSION: roll the schema back to an earlier version, with that version's code.

functions/ holds only today's code, which need not fit an older schema. So a
rollback, under migrate's advisory lock:

1. finds the code set of VERSION (ops/code_sets.py): the one this database recorded
   when it last ran at VERSION, else the one shipped in code_sets/, else it stops
   before changing anything;
2. drops every function and view in conveyor and conveyor_api (code only: it refuses if a table, a
   default or a constraint depends on one), so no view holds a table a rollback
   drops (DependentObjectsStillExist) and no new function outlives its columns;
3. rolls back, newest first, every applied migration after VERSION with its
   .rollback.sql (yoyo, one transaction each);
4. applies VERSION's functions in one transaction, then its cron/ files when
   pg_cron is there (below 0100_schedules_health there are no schedules: that
   rollback unschedules conveyor's pg_cron jobs).

Each step is idempotent, so a rollback stopped half way (a failed .rollback.sql)
is finished by running the same command again. ``VERSION`` may be ``base``: no
migration at all (only yoyo's bookkeeping tables stay in the schema).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from pgconveyor.core.config import MIGRATIONS_DIR, ConfigError
from pgconveyor.ops import code_sets
from pgconveyor.ops.migrate import MIGRATE_LOCK_KEY, _ensure_pg_cron, installed_extensions, yoyo_backend

BASE = "base"

CODE_OBJECTS = """
select kind, ident from (
    select 0 as ord, 'view' as kind, c.oid::regclass::text as ident
    from pg_catalog.pg_class as c
    where c.relnamespace::regnamespace::text in ('conveyor', 'conveyor_api') and c.relkind in ('v', 'm')
      and not exists (select 1 from pg_catalog.pg_depend as d
                      where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    union all
    select 1, 'routine', p.oid::regprocedure::text
    from pg_catalog.pg_proc as p
    where p.pronamespace::regnamespace::text in ('conveyor', 'conveyor_api') and p.prokind in ('f', 'p')
      and not exists (select 1 from pg_catalog.pg_depend as d
                      where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
) as o
order by ord, ident
"""

# Objects that would go with the code but carry data or schema: a column default, a
# check constraint, an index expression calling a conveyor function, a table's column
# of a view's row type. Triggers, views and other functions are code and go too.
DATA_DEPENDENTS = """
select pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
    || ' depends on ' || pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0)
from pg_catalog.pg_depend as d
where d.deptype = 'n'
  and d.classid not in ('pg_proc'::regclass, 'pg_rewrite'::regclass, 'pg_trigger'::regclass)
  and (
    (d.refclassid = 'pg_proc'::regclass and d.refobjid in (
        select p.oid from pg_catalog.pg_proc as p
        where p.pronamespace::regnamespace::text in ('conveyor', 'conveyor_api')))
    or (d.refclassid = 'pg_class'::regclass and d.refobjid in (
        select c.oid from pg_catalog.pg_class as c
        where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('v', 'm')))
  )
"""


@dataclass
class RollbackReport:
    from_version: str
    to_version: str
    rolled_back: list[str] = field(default_factory=list)
    code_source: str = ""
    functions: int = 0
    cron_files: int = 0
    notes: list[str] = field(default_factory=list)


def applied_versions(url: str) -> list[str]:
    """Applied migration ids, in yoyo's order."""
    from yoyo import read_migrations

    migrations = read_migrations(str(MIGRATIONS_DIR))
    with yoyo_backend(url) as backend:
        applied = set(backend.get_applied_migration_hashes())
    order = code_sets.migration_order()
    by_id = {m.id: m for m in migrations}
    return [mid for mid in order if by_id[mid].hash in applied]


def _rollback_yoyo(url: str, after: list[str]) -> None:
    from yoyo import read_migrations

    migrations = read_migrations(str(MIGRATIONS_DIR)).filter(lambda m: m.id in after)
    with yoyo_backend(url) as backend, backend.lock():
        # to_rollback: the applied ones, newest first. yoyo's rollback_migrations
        # skips a failing migration; one at a time stops at the first failure.
        for m in backend.to_rollback(migrations):
            backend.rollback_one(m)


def drop_code(conn: psycopg.Connection) -> int:
    """Drop every conveyor function and view (not an extension's); returns how many went."""
    blockers = [r[0] for r in conn.execute(DATA_DEPENDENTS)]
    if blockers:
        raise ConfigError(
            "cannot drop conveyor's functions and views: schema objects depend on them ("
            + "; ".join(blockers)
            + "). A migration must not make a table depend on a function; fix that migration first."
        )
    objects = conn.execute(CODE_OBJECTS).fetchall()
    with conn.transaction():
        for kind, ident in objects:
            # cascade: a view on a view, a trigger on its function. Data never depends on
            # them (checked above), so cascade drops only code that is re-created below.
            conn.execute(f"drop {kind} if exists {ident} cascade")
    return len(objects)


def find_code(conn: psycopg.Connection, version: str, newest: str) -> code_sets.CodeSet:
    if version == BASE:
        return code_sets.CodeSet(BASE, (), "none (no migration)")
    if version == newest:
        return code_sets.current(version)
    found = code_sets.recorded(conn, version) or code_sets.shipped(version)
    if found is None:
        raise ConfigError(
            f"no code set for {version}: this database never ran at that version and code_sets/{version}.txt "
            "is not shipped. Run scripts/code_sets.py in a git checkout (it takes the code from history), "
            "or roll back with the release that had that version."
        )
    return found


def apply_code(conn: psycopg.Connection, code: code_sets.CodeSet, report: RollbackReport) -> None:
    with conn.transaction():
        for f in code.functions:
            try:
                conn.execute(f.sql)
            except psycopg.Error as exc:
                raise ConfigError(f"{f.path} of code set {code.version} ({code.source}) failed: {exc}") from exc
            report.functions += 1
    if code.cron and "pg_cron" in installed_extensions(conn):
        with conn.transaction():
            for f in code.cron:
                conn.execute(f.sql)
                report.cron_files += 1
    elif code.cron:
        _ensure_pg_cron(conn, report)  # says how to run schedules without it


def migrate_to(url: str, version: str, echo: Callable[[str], None] | None = None) -> RollbackReport:
    say = echo or (lambda _msg: None)
    order = code_sets.migration_order()
    if version != BASE and version not in order:
        raise ConfigError(f"unknown version {version!r}: one of {', '.join([BASE, *order])}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (MIGRATE_LOCK_KEY,))
        try:
            applied = applied_versions(url)
            current = applied[-1] if applied else BASE
            report = RollbackReport(current, version)
            target_index = order.index(version) if version != BASE else -1
            newer = [mid for mid in applied if order.index(mid) > target_index]
            missing = [mid for mid in order[: target_index + 1] if mid not in applied]
            if missing:
                raise ConfigError(
                    f"the database is at {current} and lacks {', '.join(missing)}: "
                    "`conveyor migrate --to` only goes back; run `conveyor migrate` to go forward"
                )
            code = find_code(conn, version, order[-1])
            report.code_source = code.source
            dropped = drop_code(conn)
            say(f"{dropped} functions and views dropped")
            try:
                _rollback_yoyo(url, newer)
            except Exception as exc:
                now = applied_versions(url)
                raise ConfigError(
                    f"rolling back stopped ({exc}); the database is at {now[-1] if now else BASE} without "
                    f"functions: fix the cause and run `conveyor migrate --to {version}` again, or `conveyor migrate` "
                    "to go forward"
                ) from exc
            report.rolled_back = list(reversed(newer))
            for mid in report.rolled_back:
                say(f"migration {mid} rolled back")
            apply_code(conn, code, report)
            say(f"code set {version} from {code.source}: {report.functions} function and view files applied")
            if report.cron_files:
                say(f"{report.cron_files} cron files applied")
            for note in report.notes:
                say(f"note: {note}")
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (MIGRATE_LOCK_KEY,))
    return report
