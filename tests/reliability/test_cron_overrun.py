"""Item 14: cron maintenance that overruns its interval never runs twice at once; a catch-up run is harmless.

Housekeeping takes a transaction-level advisory lock: a second run while one is in
progress returns 'skipped' and changes nothing. The scheduled path
(``run_schedule('housekeeping')``, what pg_cron calls) also locks the schedule row,
so the next firing of an overrunning schedule waits for it and then runs a catch-up
that finds nothing left to do. A tick that comes late enqueues each due schedule
once, and ticks racing each other run each slot once.

The first run is held *inside* housekeeping by a third session that locks
``conveyor.schedule_runs`` (housekeeping prunes it after history and dead letters),
so the advisory lock is provably held while the second run is tried.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import psycopg
from reliability_kit import wait_for

HOUSEKEEPING_LOCK_KEY = 7311003  # c_lock_key in functions/schedules/1200_function_housekeeping.sql


def counts(conn: psycopg.Connection) -> dict[str, object]:
    """What housekeeping may change: old rows it prunes, the expired job it rescues."""
    one = conn.execute(
        """
        select
            (select count(*) from conveyor.job_history where finished_at < now() - interval '7 days'),
            (select count(*) from conveyor.dead_letters where died_at < now() - interval '30 days'),
            (select count(*) from conveyor.schedule_runs where ran_at < now() - interval '30 days'),
            (select count(*) from conveyor.jobs where state = 'running')
        """
    ).fetchone()
    return dict(zip(["old_history", "old_dead", "old_runs", "running"], one, strict=True))


def seed_overdue_work(conn: psycopg.Connection) -> int:
    """30 old history rows, 5 old dead letters, 4 old schedule runs and one job whose lease expired."""
    conn.execute("update conveyor.schedules set enabled = false where name <> 'housekeeping'")
    conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 30)")
    rows = conn.execute("select id, lease_token from conveyor.claim_batch('w', 30)").fetchall()
    conn.execute("select conveyor.complete_jobs(%s, %s)", ([r[0] for r in rows], [r[1] for r in rows]))
    conn.execute("update conveyor.job_history set finished_at = now() - interval '8 days'")
    conn.execute(
        "insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors,"
        " reason, created_at, died_at)"
        " select -g, 'alert', '{}', 0, 5, 5, '[]', 'test', now() - interval '40 days', now() - interval '31 days'"
        " from generate_series(1, 5) as g"
    )
    conn.execute(
        "insert into conveyor.schedule_runs (schedule, due_at, ran_at, enqueued, via)"
        " select 'risk_check', now() - interval '31 days', now() - interval '31 days', true, 'cron'"
        " from generate_series(1, 4)"
    )
    job = conn.execute("select conveyor.enqueue('alert', '{}')").fetchone()[0]
    conn.execute("select conveyor.claim_batch('w', 1)")
    conn.execute("update conveyor.jobs set locked_until = now() - interval '1 minute' where id = %s", (job,))
    return job


def test_overrunning_housekeeping_is_never_run_twice_at_once(db_url, conn):
    job = seed_overdue_work(conn)
    before = counts(conn)
    assert before == {"old_history": 30, "old_dead": 5, "old_runs": 4, "running": 1}

    with (
        psycopg.connect(db_url) as blocker,
        psycopg.connect(db_url, autocommit=True) as first,
        psycopg.connect(db_url, autocommit=True) as second,
        psycopg.connect(db_url, autocommit=True) as next_firing,
        ThreadPoolExecutor(2) as pool,
    ):
        # Keeps the first run inside housekeeping, holding its advisory lock, until we commit.
        blocker.execute("lock table conveyor.schedule_runs in exclusive mode")
        first_pid, next_pid = first.info.backend_pid, next_firing.info.backend_pid
        for c in (first, second, next_firing):
            c.execute("set statement_timeout = '120s'")  # a wedged run fails the test instead of hanging it

        # The first run, as pg_cron fires it: run_schedule locks the schedule row, then housekeeping.
        first_run = pool.submit(
            lambda: first.execute("select conveyor.run_schedule('housekeeping', p_via => 'manual')").fetchone()
        )

        def first_is_inside() -> bool:
            return conn.execute(
                "select exists (select from pg_locks where locktype = 'advisory' and objid = %s and granted"
                " and pid = %s) and (select wait_event_type = 'Lock' from pg_stat_activity where pid = %s)",
                (HOUSEKEEPING_LOCK_KEY, first_pid, first_pid),
            ).fetchone()[0]

        wait_for(first_is_inside, timeout=60, what="the first run to hold the lock and wait inside housekeeping")

        # A second, direct run (the CLI, another cron) is skipped at once and changes nothing.
        result = second.execute("select conveyor.housekeeping()").fetchone()[0]
        assert result == {"status": "skipped", "reason": "another housekeeping run holds the lock"}
        assert counts(second) == before

        # The schedule's next firing while the first overruns: it waits for the schedule row.
        catch_up = pool.submit(
            lambda: next_firing.execute("select conveyor.run_schedule('housekeeping', p_via => 'manual')").fetchone()
        )
        wait_for(
            lambda: conn.execute(
                "select wait_event_type = 'Lock' from pg_stat_activity where pid = %s", (next_pid,)
            ).fetchone()[0],
            timeout=60,
            what="the next firing to wait for the first run",
        )
        assert not first_run.done() and not catch_up.done()

        blocker.commit()  # the first run goes on and finishes; then the catch-up runs
        first_run.result(timeout=120)
        catch_up.result(timeout=120)

    log = conn.execute(
        "select status, history_pruned, dead_letters_pruned, logs_pruned, rescued"
        " from conveyor.housekeeping_log order by id"
    ).fetchall()
    # In insertion order: the skipped run logged first (the first run logs at its end).
    assert log[0] == ("skipped", 0, 0, 0, 0)
    assert log[1][0] == "done" and log[1][1:3] == (30, 5) and log[1][3] >= 4 and log[1][4] == 1
    assert log[2] == ("done", 0, 0, 0, 0), "the catch-up run found nothing left to do"
    assert len(log) == 3
    assert counts(conn) == {"old_history": 0, "old_dead": 0, "old_runs": 0, "running": 0}
    # The expired attempt was counted once, not once per run.
    state, attempts, errors = conn.execute(
        "select state, attempts, jsonb_array_length(errors) from conveyor.jobs where id = %s", (job,)
    ).fetchone()
    assert (state, attempts, errors) == ("queued", 1, 1)
    runs = conn.execute(
        "select count(*) from conveyor.schedule_runs where schedule = 'housekeeping' and via = 'manual'"
    ).fetchone()[0]
    assert runs == 2

    # Yet another catch-up by hand: no error, nothing pruned twice.
    again = conn.execute("select conveyor.housekeeping()").fetchone()[0]
    assert again["status"] == "done"
    assert [again[k] for k in ("history_pruned", "dead_letters_pruned", "logs_pruned", "rescued")] == [0, 0, 0, 0]


def add_every_minute(conn: psycopg.Connection, names: list[str], missed: timedelta) -> datetime:
    conn.execute("update conveyor.schedules set enabled = false")
    for name in names:
        conn.execute("select conveyor.add_schedule(%s, '* * * * *', 'risk_check')", (name,))
    # As if the ticker had been down: created long ago, never run.
    conn.execute("update conveyor.schedules set created_at = now() - %s where name = any(%s)", (missed, names))
    return conn.execute("select now()").fetchone()[0]


def jobs_per_schedule(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute(
        "select dedup_key, count(*) from conveyor.jobs where dedup_key like 'schedule:%' group by 1"
    ).fetchall()
    return dict(rows)


def runs_per_schedule(conn: psycopg.Connection, via: str = "tick") -> dict[str, int]:
    rows = conn.execute(
        "select schedule, count(*) from conveyor.schedule_runs where via = %s group by 1", (via,)
    ).fetchall()
    return dict(rows)


def test_a_late_tick_enqueues_each_due_schedule_once(conn):
    now = add_every_minute(conn, ["late_a", "late_b"], timedelta(minutes=30))  # 30 missed slots each
    ran = conn.execute("select schedule from conveyor.tick(%s) order by 1", (now,)).fetchall()
    assert ran == [("late_a",), ("late_b",)]
    assert jobs_per_schedule(conn) == {"schedule:late_a": 1, "schedule:late_b": 1}

    assert conn.execute("select count(*) from conveyor.tick(%s)", (now,)).fetchone()[0] == 0, "same slot: nothing"
    # Ten minutes later, the jobs still waiting (workers down too): the slots run, the dedup key holds.
    later = now + timedelta(minutes=10)
    assert conn.execute("select count(*) from conveyor.tick(%s)", (later,)).fetchone()[0] == 2
    assert jobs_per_schedule(conn) == {"schedule:late_a": 1, "schedule:late_b": 1}
    enqueued = conn.execute(
        "select enqueued, count(*) from conveyor.schedule_runs where via = 'tick' group by 1 order by 1"
    ).fetchall()
    assert enqueued == [(False, 2), (True, 2)]


def test_concurrent_ticks_run_each_slot_once(db_url, conn):
    names = ["race_a", "race_b", "race_c"]
    now = add_every_minute(conn, names, timedelta(minutes=5))

    # A tick held open (an overrunning ticker): another tick skips its schedules instead of waiting.
    with psycopg.connect(db_url) as held, psycopg.connect(db_url, autocommit=True) as other:
        assert len(held.execute("select * from conveyor.tick(%s)", (now,)).fetchall()) == 3
        other.execute("set lock_timeout = '30s'")  # were it to wait, it would fail here, not hang
        assert other.execute("select count(*) from conveyor.tick(%s)", (now,)).fetchone()[0] == 0
        held.commit()
        assert other.execute("select count(*) from conveyor.tick(%s)", (now,)).fetchone()[0] == 0, "slot done"
    assert jobs_per_schedule(conn) == {f"schedule:{n}": 1 for n in names}
    assert runs_per_schedule(conn) == {n: 1 for n in names}

    # Eight ticks released at once for the next slot: each schedule runs once between them.
    nxt = now + timedelta(minutes=1)
    conn.execute("delete from conveyor.jobs where dedup_key like 'schedule:%'")  # workers took them
    barrier = threading.Barrier(8)

    def tick() -> list[str]:
        with psycopg.connect(db_url, autocommit=True) as c:
            barrier.wait(timeout=60)
            return [r[0] for r in c.execute("select schedule from conveyor.tick(%s)", (nxt,))]

    with ThreadPoolExecutor(8) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(tick) for _ in range(8)]]
    ran = sorted(n for r in results for n in r)
    assert ran == sorted(names), results
    assert jobs_per_schedule(conn) == {f"schedule:{n}": 1 for n in names}
    assert runs_per_schedule(conn) == {n: 2 for n in names}
