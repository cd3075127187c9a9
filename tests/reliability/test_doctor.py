"""conveyor doctor: quiet on a healthy database, and names each fault this suite injects, with its fix."""

from __future__ import annotations

import re

import psycopg
import pytest

from pgconveyor.ops.cli import main


@pytest.fixture
def doctor(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*args: str) -> tuple[int, str]:
        code = main(["doctor", *args])
        return code, capsys.readouterr().out

    return run


def test_healthy_database_passes(doctor):
    code, out = doctor()
    assert code == 0, out
    assert "0 problems" in out and "PROBLEM" not in out


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("grant select on conveyor.jobs to public", "PUBLIC can reach table conveyor.jobs (select)"),
        ("grant usage on schema conveyor to public", "PUBLIC can reach schema conveyor"),
        ("grant execute on function conveyor.enqueue_batch(jsonb, text) to public", "enqueue_batch"),
        ("alter table conveyor.dead_letters disable row level security", "row level security is off on"),
        ("alter function conveyor.rescue_expired(integer) security definer", "SECURITY DEFINER functions"),
        (
            "create function conveyor.loose() returns int language sql as $$ select 1 $$;"
            " revoke all on function conveyor.loose() from public",
            "functions without a fixed search_path: conveyor.loose()",
        ),
        (
            "insert into conveyor.jobs (job_type, max_attempts, state, attempts, lease_token, locked_until)"
            " values ('alert', 5, 'running', 1, gen_random_uuid(), now() - interval '10 minutes')",
            "1 running jobs hold leases that expired",
        ),
    ],
)
def test_each_fault_is_reported_with_a_fix(doctor, db_url, fault, expected):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(fault)
    code, out = doctor("--quiet")
    assert code == 1, out
    assert expected in out
    assert "fix: " in out


def test_expired_leases_past_the_grace_are_reported_with_the_worst_age(doctor, db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into conveyor.jobs (job_type, max_attempts, state, attempts, lease_token, locked_until)"
            " values ('alert', 5, 'running', 1, gen_random_uuid(), now() - interval '1 hour'),"
            " ('alert', 5, 'running', 1, gen_random_uuid(), now() - interval '30 seconds'),"
            " ('alert', 5, 'running', 1, gen_random_uuid(), now() + interval '1 hour')"
        )
    code, out = doctor("--quiet")  # the default grace, 60 s, leaves out the lease 30 s past
    assert code == 1, out
    found = re.search(r"(\d+) running jobs hold leases that expired up to (\d+) s ago", out)
    assert found, out
    assert int(found[1]) == 1 and 3600 <= int(found[2]) < 3900, out
    code, out = doctor("--quiet", "--expired-grace", "10")
    assert "2 running jobs hold leases that expired" in out, out
    code, out = doctor("--quiet", "--expired-grace", "7200")
    assert code == 0 and "leases" not in out, out


def test_anon_grant_is_reported(doctor, db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "do $$ begin if not exists (select from pg_roles where rolname = 'anon') then"
            " create role anon nologin noinherit; end if; end $$"
        )
        conn.execute("grant usage on schema conveyor to anon; grant select on conveyor.job_status to anon")
    code, out = doctor("--quiet")
    assert code == 1 and "anon can reach schema conveyor, table conveyor.job_status (select)" in out


def test_old_transaction_is_reported(doctor, db_url):
    with psycopg.connect(db_url) as holder:
        holder.execute("select txid_current()")
        holder.execute("select pg_sleep(1.2)")
        code, out = doctor("--quiet", "--old-xact-seconds", "1")
        pid = holder.info.backend_pid
    assert code == 1
    assert f"pid {pid}" in out and "hold back vacuum" in out


def test_unreachable_database_is_one_clear_line(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert main(["doctor"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("conveyor: error: ") and "Traceback" not in err
