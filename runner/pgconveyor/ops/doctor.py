"""``conveyor doctor``: checks a live database the way tests/reliability does, and says how to fix what is wrong.

Each check yields findings: a problem (the command exits 1), a warning (printed, exit
0 unless --strict) or ok. Read-only: it never changes the database.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import psycopg

from pgconveyor.core import db

PROBLEM, WARNING, OK = "problem", "warning", "ok"

# Supabase's API roles: whatever PUBLIC or these can reach, the internet can.
API_ROLES = ["anon", "authenticated"]


@dataclass
class Finding:
    level: str
    check: str
    message: str
    fix: str | None = None


Check = Callable[[psycopg.Connection[Any], argparse.Namespace], Iterator[Finding]]


def _rows(conn: psycopg.Connection[Any], sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    return conn.execute(sql, params).fetchall()


def check_schema(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    if not _rows(conn, "select 1 from pg_namespace where nspname = 'conveyor'"):
        yield Finding(PROBLEM, "schema", "schema conveyor does not exist", "run `conveyor migrate`")
        return
    yield Finding(OK, "schema", "schema conveyor is installed")


def check_security(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    roles = ["public"] + [
        r[0] for r in _rows(conn, "select rolname from pg_roles where rolname = any(%s)", (API_ROLES,))
    ]
    found = False
    for role in roles:
        # has_*_privilege() takes 'public' as the PUBLIC pseudo-role.
        exposed = _rows(
            conn,
            """
            select 'schema conveyor' where has_schema_privilege(%(r)s, 'conveyor', 'usage')
            union all
            select format('table %%s (%%s)', c.oid::regclass, p.priv)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'conveyor'
            cross join unnest(array['select', 'insert', 'update', 'delete', 'truncate']) as p (priv)
            where case when c.relkind in ('r', 'v', 'm', 'p', 'f')
                       then has_table_privilege(%(r)s, c.oid, p.priv) else false end
            union all
            select format('function %%s', p.oid::regprocedure)
            from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname in ('conveyor', 'conveyor_api')
            where has_function_privilege(%(r)s, p.oid, 'execute')
            union all
            select 'schema conveyor_api' from pg_namespace n
            where n.nspname = 'conveyor_api' and has_schema_privilege(%(r)s, n.oid, 'usage')
            union all
            select format('policy %%s on %%s', p.polname, p.polrelid::regclass)
            from pg_policy p join pg_class c on c.oid = p.polrelid
            where c.relnamespace = 'conveyor'::regnamespace
              and (0 = any(p.polroles) or exists (select from pg_roles r where r.rolname = %(r)s
                                                   and r.oid = any(p.polroles)))
            union all
            select format('role %%s (member)', g) from unnest(array['conveyor_producer', 'conveyor_reader']) as g
            where %(r)s <> 'public' and exists (select from pg_roles where rolname = g)
              and pg_has_role(%(r)s, g, 'member')
            """,
            {"r": role},
        )
        if exposed:
            found = True
            names = ", ".join(r[0] for r in exposed[:8]) + (f" and {len(exposed) - 8} more" if len(exposed) > 8 else "")
            yield Finding(
                PROBLEM,
                "security",
                f"{role.upper() if role == 'public' else role} can reach {names}",
                f"revoke them: `revoke all on schema conveyor from {role}; revoke all on all tables in schema conveyor"
                f" from {role}; revoke all on all functions in schema conveyor from {role};`"
                " (or re-run `conveyor migrate`)",
            )
    no_rls = _rows(
        conn,
        "select c.oid::regclass::text from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'conveyor' and c.relkind in ('r', 'p') and not c.relrowsecurity order by 1",
    )
    if no_rls:
        found = True
        names = ", ".join(r[0] for r in no_rls)
        yield Finding(
            PROBLEM,
            "security",
            f"row level security is off on {names}",
            f"`alter table {no_rls[0][0]} enable row level security;` for each (or re-run `conveyor migrate`)",
        )
    definer = _rows(
        conn,
        "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'conveyor' and p.prosecdef order by 1",
    )
    if definer:
        found = True
        yield Finding(
            PROBLEM,
            "security",
            f"SECURITY DEFINER functions in conveyor: {', '.join(r[0] for r in definer)}",
            "conveyor needs none: `alter function ... security invoker;`, or keep it and make sure only trusted roles"
            " can execute it",
        )
    loose = _rows(
        conn,
        """
        select p.oid::regprocedure::text
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname in ('conveyor', 'conveyor_api')
        where not exists (select from unnest(p.proconfig) c where c like 'search\\_path=%%')
        order by 1
        """,
    )
    if loose:
        found = True
        yield Finding(
            PROBLEM,
            "security",
            f"functions without a fixed search_path: {', '.join(r[0] for r in loose)}",
            "`alter function ... set search_path = '';` (a caller's search_path could otherwise shadow what they use)",
        )
    if not found:
        yield Finding(OK, "security", f"nothing in conveyor is reachable by {', '.join(roles)}; RLS on every table")


def check_extensions(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    installed = {r[0] for r in _rows(conn, "select extname from pg_extension")}
    available = {r[0] for r in _rows(conn, "select name from pg_available_extensions")}
    if "pg_cron" in installed:
        yield Finding(OK, "extensions", "pg_cron is installed")
    elif "pg_cron" in available:
        yield Finding(
            WARNING,
            "extensions",
            "pg_cron is available but not installed: no housekeeping (rescue, pruning) runs without a worker",
            "`create extension pg_cron;` in the database named by cron.database_name (on Supabase: Database >"
            " Extensions), then `conveyor migrate`",
        )
    else:
        yield Finding(
            WARNING,
            "extensions",
            "pg_cron is not available on this server",
            "install it (Debian: postgresql-15-cron) and add it to shared_preload_libraries",
        )


def check_cron_history(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    if not _rows(conn, "select 1 from pg_class where oid = to_regclass('cron.job_run_details')"):
        return
    size, oldest = _rows(
        conn,
        "select pg_total_relation_size('cron.job_run_details'),"
        " extract(epoch from now() - min(start_time))::float8 / 86400 from cron.job_run_details",
    )[0]
    limit = args.cron_history_mb * 1024 * 1024
    if size > limit or (oldest or 0) > args.cron_history_days:
        yield Finding(
            PROBLEM,
            "cron history",
            f"cron.job_run_details holds {size / 1048576:.0f} MB, oldest row {oldest or 0:.0f} days old",
            "`delete from cron.job_run_details where end_time < now() - interval '7 days';` and schedule that daily"
            " (or `alter system set cron.log_run = off`)",
        )
    else:
        yield Finding(OK, "cron history", f"cron.job_run_details is {size / 1048576:.1f} MB")


def check_leases(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    if not _has_function(conn, "conveyor._expired_leases"):
        return
    count, worst = _rows(
        conn,
        "select expired, worst_seconds from conveyor._expired_leases(make_interval(secs => %s))",
        (args.expired_grace,),
    )[0]
    if count:
        yield Finding(
            PROBLEM,
            "leases",
            f"{count} running jobs hold leases that expired up to {worst:.0f} s ago: nothing is rescuing them",
            "start a worker (every claim rescues expired leases) or run `select conveyor.rescue_expired();`;"
            " schedule it with pg_cron",
        )
    else:
        yield Finding(OK, "leases", "no expired leases")


def check_old_transactions(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    rows = _rows(
        conn,
        """
        select pid, coalesce(nullif(application_name, ''), usename::text, '?'), state,
               extract(epoch from now() - xact_start)::float8, left(regexp_replace(query, '\\s+', ' ', 'g'), 80)
        from pg_stat_activity
        where xact_start < now() - make_interval(secs => %s)
          and pid <> pg_backend_pid()
          and backend_type = 'client backend'
        order by xact_start
        """,
        (args.old_xact_seconds,),
    )
    if rows:
        listed = "; ".join(f"pid {r[0]} ({r[1]}, {r[2]}, {r[3]:.0f} s: {r[4]})" for r in rows[:5])
        yield Finding(
            PROBLEM,
            "transactions",
            f"{len(rows)} transactions open longer than {args.old_xact_seconds:g} s hold back vacuum of the job"
            f" tables: {listed}",
            f"commit or roll them back, or `select pg_terminate_backend({rows[0][0]});`; set"
            " idle_in_transaction_session_timeout to stop it recurring",
        )
    else:
        yield Finding(OK, "transactions", f"no transaction older than {args.old_xact_seconds:g} s")


def check_pooler(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    parts = urlsplit(args.url)
    host, port = parts.hostname or "", parts.port
    if port == 6543 or "pooler" in host:
        mode = "transaction" if port == 6543 else "session"
        yield Finding(
            WARNING if mode == "transaction" else OK,
            "pooler",
            f"connected through a pooler in {mode} mode ({host}:{port})",
            "run workers with `--no-listen` (LISTEN does not survive a transaction pooler); migrate through the"
            " direct connection (port 5432)"
            if mode == "transaction"
            else None,
        )
    used, limit = _rows(
        conn, "select (select count(*) from pg_stat_activity), current_setting('max_connections')::int"
    )[0]
    if used > 0.9 * limit:
        yield Finding(
            PROBLEM,
            "connections",
            f"{used} of {limit} connections in use",
            "each worker holds three connections: fewer workers, or a transaction pooler (port 6543 on Supabase)"
            " with `--no-listen`",
        )
    else:
        yield Finding(OK, "connections", f"{used} of {limit} connections in use")


def _has_function(conn: psycopg.Connection[Any], name: str) -> bool:
    return bool(_rows(conn, "select 1 from pg_proc where oid = to_regproc(%s)", (name,)))


def check_pgmq(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    """pgmq this role may not use, and queues named by a route that do not exist."""
    from pgconveyor.ops.pgmq_setup import grant_fix, pgmq_access

    if not _has_function(conn, "conveyor.list_routes"):
        return
    queues = sorted(
        {q for (q,) in _rows(conn, "select queue_name from conveyor.list_routes() where destination = 'pgmq'")}
    )
    access = pgmq_access(conn)
    if not access.installed:
        if queues:
            yield Finding(
                WARNING,
                "pgmq",
                f"pgmq is not installed: routes to {', '.join(queues)} fall back to the jobs table",
                "enable the pgmq extension (Supabase: Database > Extensions), then `conveyor migrate`",
            )
        return
    if access.missing():
        yield Finding(
            PROBLEM,
            "pgmq",
            f"pgmq belongs to {access.owner} and {access.role} has no {' or '.join(access.missing())} privilege on"
            " schema pgmq: routes to pgmq queues fall back to the jobs table",
            grant_fix(access),
        )
        if not access.usage:
            return
    wanted = [q + suffix for q in queues for suffix in ("", "_dlq")]
    existing = {r[0] for r in _rows(conn, "select queue_name from pgmq.meta")} if wanted else set()
    missing = [q for q in wanted if q not in existing]
    if missing:
        yield Finding(
            PROBLEM,
            "pgmq",
            f"pgmq queues named by routes do not exist: {', '.join(missing)} (dispatch to them fails)",
            "`conveyor migrate` creates them (or `select pgmq.create('<queue>');`)",
        )
    denied = [
        q
        for (q,) in _rows(
            conn,
            "select q from unnest(%s::text[]) as q where to_regclass('pgmq.' || quote_ident('q_' || q)) is not null"
            " and not has_table_privilege('pgmq.' || quote_ident('q_' || q), 'select, insert, update, delete')",
            (sorted(existing & set(wanted)),),
        )
    ]
    if denied:
        yield Finding(
            PROBLEM,
            "pgmq",
            f"{access.role} may not read and write the pgmq queues {', '.join(denied)}",
            grant_fix(access),
        )
    if not missing and not denied and not access.missing():
        yield Finding(OK, "pgmq", f"pgmq queues in place: {', '.join(wanted) or 'none routed'}")


def check_cron_jobs(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    """Every enabled schedule has its pg_cron job (when pg_cron runs in this database)."""
    if not _has_function(conn, "conveyor.list_schedules"):
        return
    if not _rows(conn, "select 1 from pg_namespace where nspname = 'cron' and has_schema_privilege(oid, 'usage')"):
        return  # no pg_cron here: check_extensions says so
    missing = [
        name for (name,) in _rows(conn, "select schedule from conveyor.list_schedules() where enabled and not cron_job")
    ]
    if missing:
        yield Finding(
            PROBLEM,
            "pg_cron jobs",
            f"enabled schedules without their pg_cron job: {', '.join(missing)} (they will not run)",
            "`conveyor migrate` (or `select conveyor.reconcile_schedules();`) creates conveyor_<schedule> jobs",
        )
    else:
        yield Finding(OK, "pg_cron jobs", "every enabled schedule has its pg_cron job")


# Zones that are UTC all year: pg_cron's default is GMT.
UTC_CHECK = """
select coalesce(nullif(current_setting('cron.timezone', true), ''), 'GMT') as zone,
       ('2024-01-15 12:00'::timestamp at time zone coalesce(nullif(current_setting('cron.timezone', true), ''), 'GMT'))
           = '2024-01-15 12:00+00'
       and ('2024-07-15 12:00'::timestamp
            at time zone coalesce(nullif(current_setting('cron.timezone', true), ''), 'GMT')) = '2024-07-15 12:00+00'
"""


def cron_timezone_problem(conn: psycopg.Connection[Any]) -> str | None:
    """What goes wrong when pg_cron (1.5+) reads cron expressions in a zone other than UTC, or None."""
    try:
        with conn.transaction():
            zone, utc = _rows(conn, UTC_CHECK)[0]
    except psycopg.errors.InvalidParameterValue:  # a zone Postgres does not know: pg_cron would refuse it too
        return None
    if utc:
        return None
    return (
        f"pg_cron reads cron expressions in cron.timezone = {zone}, but conveyor's schedule health, `conveyor"
        " schedule tick` and POST /api/jobs/cron read them in UTC: pg_cron fires at other times than health expects"
        " (missed-schedule alerts) and than tick would"
    )


def check_cron_timezone(conn: psycopg.Connection[Any], args: argparse.Namespace) -> Iterator[Finding]:
    problem = cron_timezone_problem(conn)
    if problem:
        yield Finding(
            PROBLEM,
            "cron time zone",
            problem,
            "set cron.timezone = 'GMT' (pg_cron's default; `alter system set cron.timezone = 'GMT'` and restart,"
            " or ask Supabase support) and write schedules in UTC",
        )
    else:
        yield Finding(OK, "cron time zone", "schedules are read in UTC by pg_cron and conveyor alike")


CHECKS: list[Check] = [
    check_schema,
    check_security,
    check_extensions,
    check_cron_history,
    check_cron_jobs,
    check_cron_timezone,
    check_pgmq,
    check_leases,
    check_old_transactions,
    check_pooler,
]


def diagnose(url: str, args: argparse.Namespace) -> list[Finding]:
    findings: list[Finding] = []
    with db.connect(url, application_name="conveyor doctor") as conn:
        for check in CHECKS:
            findings.extend(check(conn, args))
    return findings


def cmd_doctor(args: argparse.Namespace) -> int:
    from pgconveyor.core.config import database_url
    from pgconveyor.ops.console import require_embedded_running

    require_embedded_running()  # diagnose's connection gives any other error
    args.url = database_url()
    findings = diagnose(args.url, args)
    marks = {PROBLEM: "PROBLEM", WARNING: "warning", OK: "ok"}
    for f in findings:
        if f.level == OK and args.quiet:
            continue
        print(f"{marks[f.level]:<8} {f.check}: {f.message}")
        if f.fix and f.level != OK:
            print(f"         fix: {f.fix}")
    problems = sum(f.level == PROBLEM for f in findings)
    warnings = sum(f.level == WARNING for f in findings)
    print(f"conveyor doctor: {problems} problems, {warnings} warnings")
    return 1 if problems or (args.strict and warnings) else 0


def add_parser(sub: Any) -> None:
    dr = sub.add_parser(
        "doctor",
        help="check a live database: security, extensions, pg_cron, pgmq, leases, old transactions, pooler",
    )
    dr.add_argument("--old-xact-seconds", type=float, default=300, help="flag transactions older than this (300)")
    dr.add_argument("--expired-grace", type=float, default=60, help="flag leases expired longer than this (60 s)")
    dr.add_argument("--cron-history-mb", type=float, default=100, help="flag cron.job_run_details above this (100)")
    dr.add_argument("--cron-history-days", type=float, default=30, help="flag cron history older than this (30)")
    dr.add_argument("--strict", action="store_true", help="exit non-zero on warnings too")
    dr.add_argument("--quiet", action="store_true", help="print only what is wrong")
    dr.set_defaults(func=cmd_doctor)
