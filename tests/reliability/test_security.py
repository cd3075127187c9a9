"""Items 16 to 19: Supabase's API roles, search_path hijack, hostile names, hostile payloads."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest
from reliability_kit import ROOT

# As Supabase defines them (supabase/postgres migrations/db/init-scripts): the API
# roles cannot log in; PostgREST logs in as authenticator and switches to them.
SUPABASE_ROLES = """
do $$
begin
    if not exists (select from pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticator') then
        create role authenticator noinherit login;
    end if;
end
$$;
grant anon, authenticated, service_role to authenticator;
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
"""

API_ROLES = ["anon", "authenticated", "service_role"]


@pytest.fixture
def supabase(rel_url):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        try:
            conn.execute(SUPABASE_ROLES)
        except psycopg.errors.UniqueViolation:
            conn.execute(SUPABASE_ROLES)  # another session created a role in between: now it exists
        yield conn


@pytest.mark.parametrize("role", API_ROLES)
def test_api_roles_reach_nothing_in_conveyor(supabase, role):
    conn = supabase
    assert not conn.execute("select has_schema_privilege(%s, 'conveyor', 'usage')", (role,)).fetchone()[0]
    exposed = conn.execute(
        """
        select c.relname, p.privilege_type
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'conveyor'
        cross join unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger'])
            as p (privilege_type)
        where case when c.relkind in ('r', 'v', 'm', 'p', 'f')
                   then has_table_privilege(%(role)s, c.oid, p.privilege_type) else false end
        union all
        select c.relname, 'usage'
        from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'conveyor'
        where case when c.relkind = 'S' then has_sequence_privilege(%(role)s, c.oid, 'usage') else false end
        union all
        select p.oid::regprocedure::text, 'execute'
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'conveyor'
        where has_function_privilege(%(role)s, p.oid, 'execute')
        """,
        {"role": role},
    ).fetchall()
    assert exposed == []
    # And in practice, as PostgREST would do it:
    for statement in (
        "select * from conveyor.jobs",
        "select * from conveyor.job_status",
        "select conveyor.enqueue('rel_work')",
        "select * from conveyor.claim_batch('w', 1)",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with conn.transaction():
                conn.execute(f"set local role {role}")
                conn.execute(statement)


@pytest.mark.parametrize("role", API_ROLES)
def test_api_roles_reach_nothing_in_our_pgmq_install(supabase, role):
    """pgmq installed from its SQL (not as Supabase's extension) is ours to lock down too."""
    conn = supabase
    assert conn.execute("select to_regclass('pgmq.meta') is not null").fetchone()[0], "the template installs pgmq"
    assert not conn.execute("select has_schema_privilege(%s, 'pgmq', 'usage')", (role,)).fetchone()[0]
    callable_ = conn.execute(
        """
        select p.oid::regprocedure::text
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'pgmq'
        where has_function_privilege(%s, p.oid, 'execute')
        """,
        (role,),
    ).fetchall()
    assert callable_ == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with conn.transaction():
            conn.execute(f"set local role {role}")
            conn.execute("select pgmq.send('alert_jobs', '{}'::jsonb)")


def test_rls_on_every_table_and_no_definer_function_for_api_roles(supabase):
    conn = supabase
    no_rls = conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'conveyor' and c.relkind in ('r', 'p') and not c.relrowsecurity"
    ).fetchall()
    assert no_rls == []
    assert (
        conn.execute(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'conveyor' and c.relkind = 'r'"
        ).fetchone()[0]
        >= 5
    )
    definer = conn.execute(
        """
        select p.oid::regprocedure::text, r.rolname
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'conveyor'
        cross join (select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'public')) r
        where p.prosecdef and has_function_privilege(r.rolname, p.oid, 'execute')
        """
    ).fetchall()
    assert definer == []
    public_exec = conn.execute(
        "select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'conveyor'"
        " and exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner)))"
        " a where a.grantee = 0 and a.privilege_type = 'EXECUTE')"
    ).fetchall()
    assert public_exec == [], "PUBLIC can execute these"


def test_every_function_has_a_fixed_search_path(conn):
    loose = conn.execute(
        """
        select p.oid::regprocedure::text
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace and n.nspname = 'conveyor'
        where not exists (select from unnest(p.proconfig) c where c like 'search\\_path=%%')
        """
    ).fetchall()
    assert loose == []
    assert (
        conn.execute(
            "select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'conveyor'"
        ).fetchone()[0]
        >= 20
    )


SHADOWS = """
create table public.jobs (id bigint, lease_token uuid);
create table public.job_types (name text);
create function public.gen_random_uuid() returns uuid language sql
    as $$ select '00000000-0000-0000-0000-000000000000'::uuid $$;
create function public.now() returns timestamptz language sql as $$ select 'epoch'::timestamptz $$;
create function public.unnest(anyarray, anyarray) returns setof record language sql as $$ select null::record $$;
create function public.jsonb_typeof(jsonb) returns text language sql as $$ select 'object' $$;
create function public.length(text) returns integer language sql as $$ select 1 $$;
create function public.coalesce_shadow() returns int language sql as $$ select 1 $$;
create temp table jobs (id bigint, lease_token uuid);
create temp table job_types (name text);
create temp table dead_letters (id bigint);
create function pg_temp.now() returns timestamptz language sql as $$ select 'epoch'::timestamptz $$;
"""


@pytest.mark.parametrize("path", ["public, pg_temp", "pg_temp, public", "public, pg_catalog"])
def test_search_path_hijack_changes_nothing(rel_url, path):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        conn.execute(SHADOWS)
        conn.execute(f"set search_path = {path}")
        job_id = conn.execute("select conveyor.enqueue('rel_work', '{\"a\": 1}')").fetchone()[0]
        with pytest.raises(psycopg.Error) as err:
            conn.execute("select conveyor.enqueue('rel_work', '[1]')")  # the shadow jsonb_typeof says 'object'
        assert err.value.sqlstate == "22023"
        rows = conn.execute("select id, lease_token, locked_until from conveyor.claim_batch('w', 5)").fetchall()
        assert [r[0] for r in rows] == [job_id]
        token, until = rows[0][1], rows[0][2]
        assert str(token) != "00000000-0000-0000-0000-000000000000"
        assert until.year >= 2000
        assert conn.execute("select conveyor.complete_jobs(%s, %s)", ([job_id], [token])).fetchall() == [(job_id,)]
        assert conn.execute("select count(*) from conveyor.job_history").fetchone()[0] == 1
        assert conn.execute("select count(*) from public.jobs").fetchone()[0] == 0
        assert conn.execute("select count(*) from pg_temp.jobs").fetchone()[0] == 0
        second = conn.execute("select conveyor.enqueue('rel_work')").fetchone()[0]
        [(sid, stoken)] = conn.execute("select id, lease_token from conveyor.claim_batch('w', 5)").fetchall()
        assert conn.execute("select conveyor.fail_job(%s, %s, 'x', p_permanent => true)", (sid, stoken)).fetchone()
        assert sid == second
        assert conn.execute("select count(*) from conveyor.dead_letters").fetchone()[0] == 1
        assert conn.execute("select count(*) from pg_temp.dead_letters").fetchone()[0] == 0


HOSTILE = [
    "x'; drop table conveyor.jobs; --",
    "a$$b",
    "$$",
    "a--b",
    "a;b",
    "a b",
    '"quoted"',
    "Alert",
    "ALERT",
    "\u0430lert",  # Cyrillic a
    "aler\u0442",  # Cyrillic te
    "\uff52el_work",  # fullwidth r
    "rel_work\u200b",  # zero-width space
    "",
    " rel_work",
    "1abc",
    "a-b",
    "a" * 64,
    "a" * 10_000,
]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_are_refused_and_nothing_runs(conn, name):
    types_before = conn.execute("select count(*) from conveyor.job_types").fetchone()[0]
    calls = [
        ("select conveyor.enqueue(%s)", (name,)),
        ("select conveyor.register_job_type(%s)", (name,)),
        ("select conveyor.enqueue_batch('[{}]'::jsonb, %s)", (name,)),
        ("select conveyor.enqueue_batch(jsonb_build_array(jsonb_build_object('job_type', %s::text)))", (name,)),
        ("select conveyor.requeue_dead(p_job_type => %s)", (name,)),
    ]
    for sql, params in calls:
        with pytest.raises(psycopg.Error) as err:
            conn.execute(sql, params)
        assert err.value.sqlstate == "22023", (sql, err.value)
        assert str(err.value).startswith("conveyor: "), err.value
    assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0
    assert conn.execute("select count(*) from conveyor.job_types").fetchone()[0] == types_before
    assert conn.execute("select to_regclass('conveyor.jobs') is not null").fetchone()[0]


def test_longest_valid_name_is_accepted(conn):
    name = "a" * 63
    conn.execute("select conveyor.register_job_type(%s)", (name,))
    assert conn.execute("select conveyor.enqueue(%s)", (name,)).fetchone()[0] > 0


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "42", "null", "true"])
def test_payload_that_is_not_an_object_is_refused(conn, payload):
    with pytest.raises(psycopg.Error) as err:
        conn.execute("select conveyor.enqueue('alert', %s::jsonb)", (payload,))
    assert err.value.sqlstate == "22023" and "must be a JSON object" in str(err.value)
    with pytest.raises(psycopg.Error) as err:
        conn.execute(
            "select conveyor.enqueue_batch(jsonb_build_array('{}'::jsonb, jsonb_build_object('payload', %s::jsonb)),"
            " 'alert')",
            (payload,),
        )
    assert err.value.sqlstate == "22023"
    assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0


def test_payload_that_is_not_json_is_refused(conn, db_url):
    with pytest.raises(psycopg.Error) as err:
        conn.execute("select conveyor.enqueue('alert', %s::jsonb)", ("{not json",))
    assert err.value.sqlstate == "22P02"
    cli = subprocess.run(
        [sys.executable, "-m", "pgconveyor.ops.cli", "enqueue", "alert", "--payload", "{not json"],
        cwd=ROOT,
        env={"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode != 0 and "Traceback" not in cli.stderr
    assert cli.stderr.startswith("conveyor: error: --payload is not valid JSON")
    assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0


def test_ten_megabyte_payload_round_trips_and_notify_still_works(rel_url):
    big = {"blob": "x" * (10 * 1024 * 1024), "n": 1}
    with psycopg.connect(rel_url, autocommit=True) as listener, psycopg.connect(rel_url, autocommit=True) as conn:
        listener.execute("listen conveyor_jobs")
        assert listener.execute("select conveyor.worker_idle()").fetchone()[0] is True  # a worker waits: NOTIFY
        job_id = conn.execute("select conveyor.enqueue('rel_work', %s::jsonb)", (json.dumps(big),)).fetchone()[0]
        notes = list(listener.notifies(timeout=30, stop_after=1))
        assert [n.payload for n in notes] == ["rel_work"]
        [(jid, payload, token)] = conn.execute(
            "select id, payload, lease_token from conveyor.claim_batch('w', 1)"
        ).fetchall()
        assert jid == job_id and payload == big
        conn.execute("select conveyor.complete_job(%s, %s)", (jid, token))
        listener.execute("select conveyor.worker_busy()")


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_payload_is_accepted_or_refused_clearly(conn, depth):
    text = '{"a": ' + "[" * depth + "]" * depth + "}"
    try:
        job_id = conn.execute("select conveyor.enqueue('alert', %s::jsonb)", (text,)).fetchone()[0]
    except psycopg.Error as exc:
        assert exc.sqlstate == "54001", exc  # stack depth limit exceeded: a clear server error
        assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0
    else:
        stored = conn.execute(
            "select jsonb_path_query_first(payload, 'strict $.a') is not null from conveyor.jobs where id = %s",
            (job_id,),
        ).fetchone()[0]
        assert stored
    assert conn.execute("select 1").fetchone()[0] == 1
