"""A text dump of the ``conveyor`` schema's catalog, for the schema and migrate-twice tests.

``snapshot(conn)`` lists, one line each and sorted: enum types, tables (with their
storage options and row-level security), columns, constraints, indexes, triggers,
sequences, views (their columns), functions (signature, return type, language,
volatility, security, settings), row-level security policies, the producer API's
functions (schema conveyor_api) and who may use each object. The owner role is
written ``<owner>`` so the dump does not depend on who ran the migration.
``bodies=True`` adds every function's ``pg_get_functiondef`` and every view's
definition, for comparisons between two databases of the same checkout.

yoyo's own bookkeeping tables (``_yoyo_*``, ``yoyo_lock``) are left out unless
``include_yoyo`` is set: they belong to the migration tool, not to our design.
"""

from __future__ import annotations

from typing import Any

import psycopg

YOYO = "(c.relname like '\\_yoyo\\_%%' or c.relname = 'yoyo_lock')"


def _acl(kind: str) -> str:
    """Grants on an object (alias c for classes, p for procs), the owner and PUBLIC named portably."""
    # A null ACL means the defaults: owner only for relations, EXECUTE for PUBLIC on functions.
    if kind == "class":
        owner, acl = (
            "c.relowner",
            "coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::\"char\", c.relowner))",
        )
    else:
        owner, acl = "p.proowner", "coalesce(p.proacl, acldefault('f'::\"char\", p.proowner))"
    return f"""
        coalesce((
            select string_agg(
                case when a.grantee = 0 then 'PUBLIC'
                     when a.grantee = {owner} then '<owner>'
                     else pg_get_userbyid(a.grantee) end
                || ':' || a.privilege_type, ',' order by 1)
            from aclexplode({acl}) as a
            where a.grantee <> {owner}
        ), '-')
    """


def queries(bodies: bool, include_yoyo: bool) -> list[tuple[str, str]]:
    rel_filter = "" if include_yoyo else f"and not {YOYO}"
    out = [
        (
            "type",
            """
            select format('%s enum (%s)', t.typname, string_agg(quote_literal(e.enumlabel), ', '
                          order by e.enumsortorder))
            from pg_type t join pg_enum e on e.enumtypid = t.oid
            where t.typnamespace = 'conveyor'::regnamespace
            group by t.typname
            """,
        ),
        (
            "table",
            f"""
            select format('%s rls=%s force_rls=%s options=%s grants=%s', c.relname, c.relrowsecurity,
                          c.relforcerowsecurity, coalesce(array_to_string(c.reloptions, ','), '-'),
                          {_acl("class")})
            from pg_class c
            where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('r', 'p') {rel_filter}
            """,
        ),
        (
            "column",
            f"""
            select format('%s.%s %s%s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                          case when a.attnotnull then ' not null' else '' end,
                          case when a.attidentity <> '' then ' identity(' || a.attidentity::text || ')' else '' end,
                          coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''))
            from pg_class c
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
            where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('r', 'p', 'v') {rel_filter}
            """,
        ),
        (
            "constraint",
            f"""
            select format('%s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
            from pg_constraint k join pg_class c on c.oid = k.conrelid
            where c.relnamespace = 'conveyor'::regnamespace {rel_filter}
            """,
        ),
        (
            "index",
            f"""
            select pg_get_indexdef(i.indexrelid)
            from pg_index i join pg_class c on c.oid = i.indrelid
            where c.relnamespace = 'conveyor'::regnamespace {rel_filter}
            """,
        ),
        (
            "trigger",
            """
            select pg_get_triggerdef(t.oid)
            from pg_trigger t join pg_class c on c.oid = t.tgrelid
            where c.relnamespace = 'conveyor'::regnamespace and not t.tgisinternal
            """,
        ),
        (
            "sequence",
            f"""
            select format('%s grants=%s', c.relname, {_acl("class")})
            from pg_class c
            where c.relnamespace = 'conveyor'::regnamespace and c.relkind = 'S'
            """,
        ),
        (
            "view",
            f"""
            select format('%s options=%s grants=%s', c.relname, coalesce(array_to_string(c.reloptions, ','), '-'),
                          {_acl("class")})
            from pg_class c
            where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('v', 'm')
            """,
        ),
        (
            "function",
            f"""
            select format('%s(%s) returns %s language=%s volatility=%s security=%s config=%s grants=%s',
                          p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), l.lanname,
                          p.provolatile::text, case when p.prosecdef then 'definer' else 'invoker' end,
                          coalesce(array_to_string(p.proconfig, ','), '-'), {_acl("proc")})
            from pg_proc p join pg_language l on l.oid = p.prolang
            where p.pronamespace = 'conveyor'::regnamespace
            """,
        ),
        (
            "policy",
            f"""
            select format('%s.%s for %s to %s using (%s)', c.relname, p.polname, p.polcmd,
                          (select string_agg(case when r = 0 then 'PUBLIC' else pg_get_userbyid(r) end, ',' order by 1)
                           from unnest(p.polroles) as r),
                          pg_get_expr(p.polqual, p.polrelid))
            from pg_policy p join pg_class c on c.oid = p.polrelid
            where c.relnamespace = 'conveyor'::regnamespace {rel_filter}
            """,
        ),
        (
            # The producer API: security definer wrappers in a schema of their own.
            "api function",
            f"""
            select format('%s(%s) returns %s language=%s volatility=%s security=%s config=%s grants=%s',
                          p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), l.lanname,
                          p.provolatile::text, case when p.prosecdef then 'definer' else 'invoker' end,
                          coalesce(array_to_string(p.proconfig, ','), '-'), {_acl("proc")})
            from pg_proc p join pg_language l on l.oid = p.prolang
            join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'conveyor_api'
            """,
        ),
    ]
    if bodies:
        out += [
            (
                "function body",
                """
                select pg_get_functiondef(p.oid) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname in ('conveyor', 'conveyor_api') and p.prokind in ('f', 'p')
                """,
            ),
            (
                "view body",
                """
                select format('%s: %s', c.relname, pg_get_viewdef(c.oid))
                from pg_class c
                where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('v', 'm')
                """,
            ),
        ]
    return out


def snapshot(conn: psycopg.Connection[Any], bodies: bool = False, include_yoyo: bool = False) -> str:
    lines: list[str] = []
    for kind, sql in queries(bodies, include_yoyo):
        for (text,) in sorted(conn.execute(sql).fetchall()):
            lines.append(f"{kind} {text}")
    return "\n".join(lines) + "\n"


def data_snapshot(conn: psycopg.Connection[Any]) -> dict[str, list[str]]:
    """Every row of every table in the conveyor schema (yoyo's included), as sorted JSON text."""
    tables = [
        r[0]
        for r in conn.execute(
            "select c.relname from pg_class c where c.relnamespace = 'conveyor'::regnamespace and c.relkind = 'r' "
            "order by 1"
        )
    ]
    return {t: sorted(r[0] for r in conn.execute(f'select to_jsonb(t)::text from conveyor."{t}" as t')) for t in tables}
