"""Item 13: future run_at is never claimed early; backoff is capped, jittered and never overflows."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from reliability_kit import wait_for


def test_future_job_is_not_claimed_before_its_time(rel_url):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        job_id = conn.execute("select conveyor.enqueue('rel_work', p_delay => interval '2 seconds')").fetchone()[0]
        run_at = conn.execute("select run_at from conveyor.jobs where id = %s", (job_id,)).fetchone()[0]
        polls = 0

        def claimed():
            nonlocal polls
            polls += 1
            return conn.execute("select id, claimed_at from conveyor.claim_batch('w', 10)").fetchall()

        [(got, claimed_at)] = wait_for(claimed, timeout=60, interval=0.05, what="the delayed job")
        assert got == job_id and claimed_at >= run_at
        assert polls > 1, "the job was claimed at the first poll, before it was due"


def test_claim_uses_the_database_clock(rel_url):
    """A job due one hour from now by the database's clock is not due whatever the client thinks."""
    with psycopg.connect(rel_url, autocommit=True) as conn:
        db_now = conn.execute("select now()").fetchone()[0]
        conn.execute("select conveyor.enqueue('rel_work', p_run_at => %s)", (db_now + dt.timedelta(hours=1),))
        conn.execute("set timezone = 'Pacific/Kiritimati'")  # the session's zone changes nothing
        assert conn.execute("select count(*) from conveyor.claim_batch('w', 10)").fetchone()[0] == 0


@pytest.mark.parametrize("attempt", [1, 2, 10, 31, 32, 64, 1000, 2_147_483_647])
def test_backoff_is_capped_and_never_overflows(conn, attempt):
    rows = conn.execute(
        "select extract(epoch from conveyor.backoff_delay(%s, interval '2 seconds', interval '1 hour'))::float8"
        " from generate_series(1, 200)",
        (attempt,),
    ).fetchall()
    values = [r[0] for r in rows]
    nominal = min(3600.0, 2.0 * 2 ** min(attempt - 1, 40))
    assert all(nominal / 2 - 1e-6 <= v <= nominal + 1e-6 for v in values)
    assert len(set(values)) > 100, "backoff is not jittered"


def test_backoff_refuses_nonsense(conn):
    for attempt in (0, -1, None):
        with pytest.raises(psycopg.Error) as err:
            conn.execute("select conveyor.backoff_delay(%s)", (attempt,))
        assert err.value.sqlstate == "22023"


def test_retry_waits_its_backoff_on_the_database_clock(rel_url):
    with psycopg.connect(rel_url, autocommit=True) as conn:
        conn.execute(
            "select conveyor.register_job_type('rel_work', p_backoff_base => interval '1 hour',"
            " p_backoff_cap => interval '1 hour')"
        )
        conn.execute("select conveyor.enqueue('rel_work')")
        job_id, token = conn.execute("select id, lease_token from conveyor.claim_batch('w', 1)").fetchone()
        failed_at = conn.execute("select now()").fetchone()[0]
        assert conn.execute("select conveyor.fail_job(%s, %s, 'boom')", (job_id, token)).fetchone()[0] == "retry"
        run_at = conn.execute("select run_at from conveyor.jobs where id = %s", (job_id,)).fetchone()[0]
        assert dt.timedelta(minutes=30) <= run_at - failed_at <= dt.timedelta(hours=1, seconds=5)
        assert conn.execute("select count(*) from conveyor.claim_batch('w', 1)").fetchone()[0] == 0
