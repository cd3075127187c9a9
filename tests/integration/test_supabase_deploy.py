"""Deploying where another role owns pgmq (as on Supabase), and what doctor reports: pgmq, pg_cron jobs, time zone.

The role that migrates is made like Supabase's postgres (supabase/postgres:
migrations/db/migrations/10000000000000_demote-postgres.sql): no superuser, but
CREATEDB, CREATEROLE and BYPASSRLS; the database is its own. pgmq is installed by
the cluster's superuser, as Supabase's admin creates the extension, and grants
this role nothing.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest

from pgconveyor.ops.cli import main
from pgconveyor.ops.migrate import migrate

SUPA_POSTGRES = "conveyor_t_supa_postgres"


def as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))


def with_options(url: str, options: str) -> str:
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + "options=" + quote(options)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@pytest.fixture
def supabase_like(admin_url):
    """(admin url of the new database, url as the Supabase-like postgres role)."""
    name = f"conveyor_supa_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not admin.execute("select 1 from pg_roles where rolname = %s", (SUPA_POSTGRES,)).fetchone():
            try:
                admin.execute(f"create role {SUPA_POSTGRES} login nosuperuser createdb createrole bypassrls")
            except psycopg.errors.UniqueViolation:
                pass
        admin.execute(f'create database "{name}" owner {SUPA_POSTGRES}')
    db_admin = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    from pgmq.install import install_pgmq_from_sql

    with psycopg.connect(db_admin) as install_conn:
        install_pgmq_from_sql(conn=install_conn)
        install_conn.execute("revoke all on schema pgmq from public")
        install_conn.execute("revoke execute on all functions in schema pgmq from public")
        install_conn.commit()
    yield db_admin, as_user(db_admin, SUPA_POSTGRES)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def doctor(url: str, monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(["doctor", "--quiet", *args])
    return code, capsys.readouterr().out


def test_migrate_finishes_when_pgmq_belongs_to_another_role(supabase_like, monkeypatch, capsys):
    db_admin, url = supabase_like
    report = migrate(url)
    pgmq_notes = [n for n in report.notes if "pgmq" in n]
    assert len(pgmq_notes) == 1, report.notes
    note = pgmq_notes[0]
    assert "belongs to postgres" in note and "fall back to the jobs table" in note
    assert f"grant usage, create on schema pgmq to {SUPA_POSTGRES}" in note
    # Everything else was done: every migration, every function, and the cron step was reached
    # (pg_cron cannot be created in this database, and migrate says so after pgmq).
    assert report.applied_migrations and report.functions > 50 and report.pgmq_queues == []
    assert any("pg_cron" in n for n in report.notes[report.notes.index(note) :])

    with psycopg.connect(url, autocommit=True) as conn:
        routed = conn.execute("select conveyor.dispatch('alert', '{}')").fetchone()[0]
        assert routed["destination"] == "jobs" and "falls back" in routed["note"]
        assert conn.execute("select conveyor.health() ->> 'status'").fetchone()[0] in ("healthy", "degraded")

    code, out = doctor(url, monkeypatch, capsys)
    assert code == 1
    assert f"PROBLEM  pgmq: pgmq belongs to postgres and {SUPA_POSTGRES} has no usage or create privilege" in out
    assert f"grant usage, create on schema pgmq to {SUPA_POSTGRES}" in out

    # The fix migrate and doctor give, run by pgmq's owner; then the queues come.
    with psycopg.connect(db_admin, autocommit=True) as owner:
        owner.execute(
            f"grant usage, create on schema pgmq to {SUPA_POSTGRES};"
            f" grant select, insert, update, delete on all tables in schema pgmq to {SUPA_POSTGRES};"
            f" grant usage, select, update on all sequences in schema pgmq to {SUPA_POSTGRES};"
            f" grant execute on all functions in schema pgmq to {SUPA_POSTGRES};"
        )
    report = migrate(url)
    assert sorted(report.pgmq_queues) == sorted(
        q + s for q in ("alert_jobs", "autosniping_jobs", "metrics_jobs") for s in ("", "_dlq")
    )
    assert not [n for n in report.notes if "pgmq" in n]
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("select conveyor.dispatch('alert', '{}') ->> 'destination'").fetchone()[0] == "pgmq"
    code, out = doctor(url, monkeypatch, capsys)
    assert "pgmq" not in out, out


def test_doctor_reports_a_missing_queue(db_url, monkeypatch, capsys):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("select pgmq.drop_queue('metrics_jobs_dlq')")
    code, out = doctor(db_url, monkeypatch, capsys)
    assert code == 1
    assert "pgmq queues named by routes do not exist: metrics_jobs_dlq" in out and "conveyor migrate" in out


def test_doctor_reports_a_missing_pg_cron_job(cron_url, monkeypatch, capsys):
    try:
        with psycopg.connect(cron_url, autocommit=True) as conn:
            # (pausing reconciles pg_cron: first pause, then lose a job)
            conn.execute("select conveyor.set_schedule_enabled('calendar_sync', false)")
            conn.execute("select cron.unschedule('conveyor_risk_check')")
        code, out = doctor(cron_url, monkeypatch, capsys)
        assert code == 1
        # A paused schedule has no job on purpose; an enabled one without its job will not run.
        assert "enabled schedules without their pg_cron job: risk_check (they will not run)" in out
    finally:
        with psycopg.connect(cron_url, autocommit=True) as conn:
            conn.execute("select conveyor.set_schedule_enabled('calendar_sync', true)")
        migrate(cron_url)
    code, out = doctor(cron_url, monkeypatch, capsys)
    assert "pg_cron jobs" not in out


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Europe/London"])
def test_a_cron_timezone_other_than_utc_is_said_plainly(db_url, monkeypatch, capsys, zone):
    # pg_cron 1.5+ reads cron.timezone (Debian's 1.4 here leaves it a placeholder, which is
    # what conveyor reads either way). Europe/London is UTC only in winter.
    url = with_options(db_url, f"-c cron.timezone={zone}")
    code, out = doctor(url, monkeypatch, capsys)
    assert code == 1
    assert f"PROBLEM  cron time zone: pg_cron reads cron expressions in cron.timezone = {zone}" in out
    assert "set cron.timezone = 'GMT'" in out
    notes = migrate(url).notes
    assert any(f"cron.timezone = {zone}" in n and "in UTC" in n for n in notes), notes


@pytest.mark.parametrize("zone", ["GMT", "UTC", "Etc/UTC"])
def test_utc_cron_timezones_are_fine(db_url, monkeypatch, capsys, zone):
    url = with_options(db_url, f"-c cron.timezone={zone}")
    _code, out = doctor(url, monkeypatch, capsys)
    assert "cron time zone" not in out
    assert not [n for n in migrate(url).notes if "cron.timezone" in n]


def test_doctor_reports_the_producer_api_handed_to_anon(db_url, monkeypatch, capsys):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "do $$ begin if not exists (select from pg_roles where rolname = 'anon') then"
            " create role anon nologin noinherit; end if; end $$"
        )
        conn.execute("grant conveyor_producer to anon")  # by hand: grant_producer refuses it
        try:
            code, out = doctor(db_url, monkeypatch, capsys)
        finally:
            conn.execute("revoke conveyor_producer from anon")
    assert code == 1
    # Membership is the exposure whether or not anon inherits (a NOINHERIT member can still SET ROLE),
    # so doctor names the role, not only the functions an inheriting member would reach directly.
    assert "PROBLEM  security: anon can reach" in out and "role conveyor_producer (member)" in out


def test_history_with_a_duplicate_completion_upgrades_to_a_keyed_table(db_url):
    """Upgrading to 0551 keys job_history by (id, finished_at); a completion recorded twice keeps one row."""
    from runner_helpers import run_cli

    before = "0550_code_sets"
    r = run_cli(db_url, "migrate", "--to", before)
    assert r.returncode == 0, r.stderr
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)"
            " select 7, 'alert', 0, 1, t, t, t from (values (timestamptz '2026-01-01 00:00+00')) as v (t),"
            " generate_series(1, 2)"
        )
        conn.execute(
            "insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at)"
            " values (8, 'alert', 0, 1, now(), now(), now())"
        )
    r = run_cli(db_url, "migrate")
    assert r.returncode == 0, r.stderr
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute("select id, count(*) from conveyor.job_history group by id order by id").fetchall()
        key = conn.execute(
            "select pg_get_constraintdef(oid) from pg_constraint where conname = 'job_history_pkey'"
        ).fetchone()
    assert rows == [(7, 1), (8, 1)]
    assert key == ("PRIMARY KEY (id, finished_at)",)
