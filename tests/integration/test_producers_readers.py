"""Producers and readers outside the runner, as on Supabase: exactly the producer API, a reader without BYPASSRLS.

The roles are created as Supabase creates them (supabase/postgres:
migrations/db/init-scripts/00000000000000-initial-schema.sql, then
20230529180330_alter_api_roles_for_inherit.sql, which makes the API roles INHERIT).
Roles belong to the cluster: every test hands back what it granted.
"""

from __future__ import annotations

import psycopg
import pytest

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
    if not exists (select from pg_roles where rolname = 'conveyor_test_grafana') then
        create role conveyor_test_grafana login;
    end if;
end
$$;
alter role anon inherit;
alter role authenticated inherit;
alter role service_role inherit;
grant anon, authenticated, service_role to authenticator;
"""

PRODUCER_API = {"enqueue", "enqueue_batch", "dispatch"}


@pytest.fixture
def supa(conn):
    for _ in range(3):
        try:
            conn.execute(SUPABASE_ROLES)
            break
        except (psycopg.errors.UniqueViolation, psycopg.errors.InternalError):
            continue  # another session created a role in between: now it exists
    yield conn
    conn.execute("reset role")
    for role in ("service_role", "conveyor_test_grafana"):
        conn.execute("select conveyor.revoke_producer(%s)", (role,))
        conn.execute("select conveyor.revoke_reader(%s)", (role,))


def as_role(conn: psycopg.Connection, role: str, sql: str, params=None):
    """Run sql as role (what PostgREST does after authenticating: set role), then go back."""
    conn.execute(f'set role "{role}"')
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.execute("reset role")


def test_service_role_produces_through_the_api(supa):
    supa.execute("select conveyor.grant_producer('service_role')")
    (job_id,) = as_role(supa, "service_role", "select conveyor_api.enqueue('calendar_sync', '{\"user\": 42}')")[0]
    ids = as_role(
        supa,
        "service_role",
        'select conveyor_api.enqueue_batch(\'[{"payload": {"n": 1}}, {"payload": {"n": 2}}]\', \'risk_check\')',
    )
    routed = as_role(supa, "service_role", "select conveyor_api.dispatch('alert', '{\"to\": \"ops\"}')")[0][0]
    to_jobs = as_role(supa, "service_role", "select conveyor_api.dispatch('calendar_sync', '{}', p_dedup_key => 'k')")
    assert routed["destination"] == "pgmq" and routed["queue"] == "alert_jobs"
    assert to_jobs[0][0]["destination"] == "jobs"
    rows = supa.execute("select id, job_type, payload from conveyor.jobs order by id").fetchall()
    assert (job_id, "calendar_sync", {"user": 42}) in rows
    assert {r[0] for r in rows} >= {i for (i,) in ids}
    assert supa.execute("select count(*) from pgmq.q_alert_jobs").fetchone()[0] == 1
    # Bad input is refused by conveyor.enqueue's own checks, as for any caller.
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="conveyor: "):
        as_role(supa, "service_role", "select conveyor_api.enqueue('no_such_type', '{}')")


def test_the_producer_can_do_nothing_else(supa):
    supa.execute("select conveyor.grant_producer('service_role')")
    may = supa.execute(
        """
        select n.nspname || '.' || p.proname
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('conveyor', 'conveyor_api') and has_function_privilege('service_role', p.oid, 'execute')
        """
    ).fetchall()
    assert {r[0] for r in may} == {f"conveyor_api.{f}" for f in PRODUCER_API}
    tables = supa.execute(
        """
        select c.oid::regclass::text from pg_class c
        where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('r', 'v', 'p', 'S')
          and (has_table_privilege('service_role', c.oid, 'select, insert, update, delete, truncate')
               or (c.relkind = 'S' and has_sequence_privilege('service_role', c.oid, 'usage')))
        """
    ).fetchall()
    assert tables == []
    assert not supa.execute("select has_schema_privilege('service_role', 'conveyor', 'usage')").fetchone()[0]
    lease = supa.execute("select conveyor.enqueue('risk_check', '{}')").fetchone()
    for sql in (
        "select * from conveyor.claim_batch('intruder')",
        f"select conveyor.complete_job({lease[0]}, gen_random_uuid())",
        f"select conveyor.fail_job({lease[0]}, gen_random_uuid(), 'x')",
        "select conveyor.set_setting('health_pending_max', '1')",
        "select conveyor.enqueue('alert', '{}')",
        "select count(*) from conveyor.jobs",
        "insert into conveyor.jobs (job_type, max_attempts) values ('alert', 1)",
        "update conveyor.settings set value = '1'",
        "select * from conveyor.job_status",
        "select conveyor.grant_producer('anon')",
        "select pgmq.send('alert_jobs', '{}')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_role(supa, "service_role", sql)


@pytest.mark.parametrize("role", ["anon", "authenticated", "authenticator"])
def test_internet_facing_roles_get_nothing(supa, role):
    for sql in (
        "select conveyor_api.enqueue('alert', '{}')",
        "select conveyor_api.dispatch('alert', '{}')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_role(supa, role, sql)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="may not be granted"):
        supa.execute("select conveyor.grant_producer(%s)", (role,))
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="may not be granted"):
        supa.execute("select conveyor.grant_reader(%s)", (role,))
    assert not supa.execute("select pg_has_role(%s, 'conveyor_producer', 'member')", (role,)).fetchone()[0]
    assert not supa.execute("select pg_has_role(%s, 'conveyor_reader', 'member')", (role,)).fetchone()[0]


def test_bad_role_names_are_refused(supa):
    for bad in ("no_such_role_x", None, "public"):
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="conveyor: "):
            supa.execute("select conveyor.grant_producer(%s)", (bad,))


def test_revoke_takes_the_api_back(supa):
    supa.execute("select conveyor.grant_producer('service_role')")
    as_role(supa, "service_role", "select conveyor_api.enqueue('alert', '{}')")
    supa.execute("select conveyor.revoke_producer('service_role')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role(supa, "service_role", "select conveyor_api.enqueue('alert', '{}')")


def test_reader_reads_everything_without_bypassrls_and_writes_nothing(supa):
    supa.execute("select conveyor.enqueue('calendar_sync', '{}')")
    supa.execute("select conveyor.grant_reader('conveyor_test_grafana')")
    assert not supa.execute("select rolbypassrls from pg_roles where rolname = 'conveyor_test_grafana'").fetchone()[0]
    reader = "conveyor_test_grafana"
    assert as_role(supa, reader, "select count(*) from conveyor.jobs")[0][0] == 1  # RLS lets it see rows
    ready = as_role(supa, reader, "select ready from conveyor.job_status where job_type = 'calendar_sync'")
    assert ready == [(1,)]
    for view in ("queue_health", "schedule_health", "worker_health"):
        as_role(supa, reader, f"select * from conveyor.{view}")
    health = as_role(supa, reader, "select conveyor.health()")[0][0]
    assert health["status"] in ("healthy", "degraded", "unhealthy")
    for sql in (
        "insert into conveyor.jobs (job_type, max_attempts) values ('alert', 1)",
        "delete from conveyor.dead_letters",
        "update conveyor.settings set value = '1'",
        "select conveyor.enqueue('alert', '{}')",
        "select * from conveyor.claim_batch('reader')",
        "select conveyor_api.enqueue('alert', '{}')",
        "select conveyor.set_setting('health_pending_max', '1')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_role(supa, reader, sql)


def test_supabase_linter_finds_nothing(conn):
    """rls_enabled_no_policy, no_primary_key and unindexed_foreign_keys, and no policy for anyone but the reader."""
    no_policy = conn.execute(
        """
        select c.relname from pg_class c
        where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('r', 'p') and c.relrowsecurity
          and not exists (select from pg_policy p where p.polrelid = c.oid)
        """
    ).fetchall()
    assert no_policy == []
    policy_roles = conn.execute(
        """
        select distinct case when r = 0 then 'PUBLIC' else pg_get_userbyid(r) end
        from pg_policy p join pg_class c on c.oid = p.polrelid, unnest(p.polroles) as r
        where c.relnamespace = 'conveyor'::regnamespace
        """
    ).fetchall()
    assert policy_roles == [("conveyor_reader",)]
    no_pk = conn.execute(
        """
        select c.relname from pg_class c
        where c.relnamespace = 'conveyor'::regnamespace and c.relkind in ('r', 'p')
          and not exists (select from pg_constraint k where k.conrelid = c.oid and k.contype = 'p')
        """
    ).fetchall()
    assert no_pk == []
    unindexed = conn.execute(
        """
        select k.conrelid::regclass::text, k.conname from pg_constraint k
        where k.contype = 'f' and k.connamespace = 'conveyor'::regnamespace
          and not exists (
              select from pg_index i
              where i.indrelid = k.conrelid
                and (i.indkey::int2[])[0:cardinality(k.conkey) - 1] operator(pg_catalog.@>) k.conkey
          )
        """
    ).fetchall()
    assert unindexed == []


def test_api_wrappers_take_the_same_arguments_as_the_core(conn):
    rows = conn.execute(
        """
        select a.proname, pg_get_function_arguments(a.oid), pg_get_function_result(a.oid),
               pg_get_function_arguments(c.oid), pg_get_function_result(c.oid), a.prosecdef, a.proconfig
        from pg_proc a join pg_proc c on c.proname = a.proname and c.pronamespace = 'conveyor'::regnamespace
        where a.pronamespace = 'conveyor_api'::regnamespace
        """
    ).fetchall()
    assert {r[0] for r in rows} == PRODUCER_API
    for name, api_args, api_result, core_args, core_result, definer, config in rows:
        assert (api_args, api_result) == (core_args, core_result), name
        assert definer and config == ['search_path=""'], name
