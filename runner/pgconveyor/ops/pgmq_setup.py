"""pgmq in the database: the extension where the server has it, else pgmq's SQL-only install.

Supabase ships pgmq as an extension (``create extension pgmq``). The embedded
cluster and the test databases do not have it, so ``conveyor migrate`` installs the
SQL that the PyPI package ``pgmq`` bundles (``pgmq.install``), when that is allowed:
``CONVEYOR_INSTALL_PGMQ=true|false``, default true for the embedded cluster and
false for a DATABASE_URL server (where an operator should choose the extension).
Without pgmq nothing breaks: routes to pgmq queues fall back to the jobs table.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from pgconveyor.core.config import using_embedded
from pgconveyor.ops.modes import flag_from_env


def install_allowed(explicit: bool | None = None) -> bool:
    if explicit is not None:
        return explicit
    return flag_from_env("CONVEYOR_INSTALL_PGMQ", using_embedded())


def pgmq_present(conn: psycopg.Connection) -> bool:
    return conn.execute("select pg_catalog.to_regclass('pgmq.meta') is not null").fetchone()[0]


@dataclass
class PgmqAccess:
    """What this role may do with an existing pgmq schema (not installed: ``owner`` is None)."""

    owner: str | None
    role: str
    usage: bool = False
    create: bool = False

    @property
    def installed(self) -> bool:
        return self.owner is not None

    def missing(self) -> list[str]:
        return [p for p, ok in (("usage", self.usage), ("create", self.create)) if not ok]


def pgmq_access(conn: psycopg.Connection) -> PgmqAccess:
    row = conn.execute(
        """
        select n.nspowner::regrole::text, current_user::text,
               pg_catalog.has_schema_privilege(n.oid, 'usage'), pg_catalog.has_schema_privilege(n.oid, 'create')
        from pg_catalog.pg_namespace as n where n.nspname = 'pgmq'
        """
    ).fetchone()
    if row is None:
        return PgmqAccess(None, conn.execute("select current_user::text").fetchone()[0])
    return PgmqAccess(row[0], row[1], row[2], row[3])


def grant_fix(access: PgmqAccess) -> str:
    """The statements pgmq's owner runs so that ``access.role`` may create and use queues."""
    role = access.role
    return (
        f"as {access.owner}, pgmq's owner: grant usage, create on schema pgmq to {role}; "
        f"grant select, insert, update, delete on all tables in schema pgmq to {role}; "
        f"grant usage, select, update on all sequences in schema pgmq to {role}; "
        f"grant execute on all functions in schema pgmq to {role}; "
        f"alter default privileges in schema pgmq grant select, insert, update, delete on tables to {role}; "
        "then run `conveyor migrate` again"
    )


def no_access_note(access: PgmqAccess) -> str:
    return (
        f"pgmq is installed but belongs to {access.owner}, and {access.role} has no "
        f"{' or '.join(access.missing())} privilege on schema pgmq: routes to pgmq queues fall back to the jobs "
        f"table, and no queue was created. To use pgmq, {grant_fix(access)}."
    )


def ensure_pgmq(url: str, conn: psycopg.Connection, allow_install: bool) -> tuple[bool, str | None]:
    """Make pgmq present if we may; returns (present and usable by this role, note for the operator or None)."""
    access = pgmq_access(conn)
    if access.installed and access.missing():
        # Another role owns pgmq (Supabase's admin created the extension) and granted
        # this one nothing: everything else migrates; pgmq routes fall back.
        return False, no_access_note(access)
    if pgmq_present(conn):
        return True, None
    available = conn.execute("select count(*) from pg_available_extensions where name = 'pgmq'").fetchone()[0]
    if available:
        try:
            with conn.transaction():
                conn.execute("create extension if not exists pgmq")
            return True, None
        except psycopg.Error as exc:
            if not allow_install:
                return False, (
                    f"pgmq could not be created here ({exc.diag.message_primary}); "
                    "routes to pgmq queues fall back to the jobs table."
                )
    if allow_install:
        from pgmq.install import install_pgmq_from_sql

        # pgmq's installer wants a connection outside autocommit and runs the whole
        # script in one transaction: all of pgmq or none of it.
        with psycopg.connect(url, autocommit=False) as install_conn:
            version = install_pgmq_from_sql(conn=install_conn)
            # The SQL install leaves pgmq's functions executable by PUBLIC (Postgres'
            # default): on a Supabase-like server that hands send/read/delete to anon
            # and authenticated. Only the installing role keeps them; grant on purpose.
            with install_conn.transaction():
                install_conn.execute("revoke all on schema pgmq from public")
                install_conn.execute("revoke all on all tables in schema pgmq from public")
                install_conn.execute("revoke all on all sequences in schema pgmq from public")
                install_conn.execute("revoke execute on all functions in schema pgmq from public")
                install_conn.execute("alter default privileges in schema pgmq revoke all on tables from public")
                install_conn.execute("alter default privileges in schema pgmq revoke execute on functions from public")
        return True, f"pgmq {version} installed from its SQL (the pgmq extension is not available on this server)"
    return False, (
        "pgmq is not available: routes to pgmq queues fall back to the jobs table. "
        "Enable the pgmq extension (Supabase: Database > Extensions), or set CONVEYOR_INSTALL_PGMQ=true "
        "to install pgmq's SQL."
    )
