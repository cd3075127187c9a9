"""Items 1 and 4: a stale owner is fenced; rescue racing completion never reverts a terminal state."""

from __future__ import annotations

import threading

import psycopg
import pytest
from reliability_kit import wait_for

pytestmark = pytest.mark.usefixtures("rel_url")


def claim(conn, worker: str, n: int = 1, lease: str | None = None):
    return conn.execute(
        "select id, lease_token, attempt from conveyor.claim_batch(%s, %s, array['rel_work'], %s::interval)",
        (worker, n, lease),
    ).fetchall()


def expire(conn, job_id: int) -> None:
    # The test stands in for time passing: the lease ran out one second ago.
    conn.execute("update conveyor.jobs set locked_until = now() - interval '1 second' where id = %s", (job_id,))


def reclaimable(conn, job_id: int) -> None:
    conn.execute("update conveyor.jobs set run_at = now() where id = %s and state = 'queued'", (job_id,))


def job_row(conn, job_id: int):
    return conn.execute(
        "select state, attempts, lease_token, locked_by, locked_until from conveyor.jobs where id = %s", (job_id,)
    ).fetchone()


def test_lease_that_really_expires_is_fenced(rel_url):
    """No test shortcut: a one-second lease runs out on the database clock."""
    with psycopg.connect(rel_url, autocommit=True) as a, psycopg.connect(rel_url, autocommit=True) as b:
        job_id = a.execute("select conveyor.enqueue('rel_work')").fetchone()[0]
        [(_, token_a, _)] = claim(a, "A", lease="1 second")
        got = wait_for(lambda: claim(b, "B", lease="1 minute"), timeout=30, what="the job to be reclaimed")
        [(jid, token_b, attempt_b)] = got
        assert jid == job_id and token_b != token_a and attempt_b == 2
        with pytest.raises(psycopg.Error) as err:
            a.execute("select conveyor.complete_job(%s, %s)", (job_id, token_a))
        assert err.value.sqlstate == "CV001"
        b.execute("select conveyor.complete_job(%s, %s)", (job_id, token_b))
        assert b.execute("select count(*) from conveyor.job_history where id = %s", (job_id,)).fetchone()[0] == 1


@pytest.mark.parametrize("action", ["complete", "complete_batch", "fail", "fail_permanent", "extend", "release"])
def test_stale_owner_is_refused_and_new_attempt_untouched(rel_url, action):
    with psycopg.connect(rel_url, autocommit=True) as a, psycopg.connect(rel_url, autocommit=True) as b:
        job_id = a.execute("select conveyor.enqueue('rel_work', '{\"n\": 1}')").fetchone()[0]
        [(_, token_a, _)] = claim(a, "A")
        expire(a, job_id)
        assert b.execute("select conveyor.rescue_expired()").fetchone()[0] == 1
        reclaimable(b, job_id)
        [(_, token_b, attempt_b)] = claim(b, "B")
        assert attempt_b == 2
        before = job_row(b, job_id)

        if action == "complete":
            with pytest.raises(psycopg.Error) as err:
                a.execute("select conveyor.complete_job(%s, %s)", (job_id, token_a))
            assert err.value.sqlstate == "CV001"
            assert "stale" in str(err.value) and str(job_id) in str(err.value)
        elif action == "complete_batch":
            done = a.execute("select conveyor.complete_jobs(%s, %s)", ([job_id], [token_a])).fetchall()
            assert done == []
        elif action in ("fail", "fail_permanent"):
            with pytest.raises(psycopg.Error) as err:
                a.execute(
                    "select conveyor.fail_job(%s, %s, 'late failure', null, %s)",
                    (job_id, token_a, action == "fail_permanent"),
                )
            assert err.value.sqlstate == "CV001"
        elif action == "extend":
            assert a.execute("select conveyor.extend_leases(%s, %s)", ([job_id], [token_a])).fetchall() == []
            with pytest.raises(psycopg.Error) as err:
                a.execute("select conveyor.extend_lease(%s, %s)", (job_id, token_a))
            assert err.value.sqlstate == "CV001"
        elif action == "release":
            assert a.execute("select conveyor.release_jobs(%s, %s)", ([job_id], [token_a])).fetchall() == []

        assert job_row(b, job_id) == before, "the new attempt was touched by the stale owner"
        assert b.execute("select count(*) from conveyor.dead_letters").fetchone()[0] == 0
        b.execute("select conveyor.complete_job(%s, %s)", (job_id, token_b))
        assert b.execute("select attempts from conveyor.job_history where id = %s", (job_id,)).fetchone()[0] == 2


def test_expired_lease_cannot_be_revived_by_its_owner(rel_url):
    """An owner whose lease ran out may not extend it back to life, even before anyone rescued it."""
    with psycopg.connect(rel_url, autocommit=True) as a:
        job_id = a.execute("select conveyor.enqueue('rel_work')").fetchone()[0]
        [(_, token, _)] = claim(a, "A")
        expire(a, job_id)
        assert a.execute("select conveyor.extend_leases(%s, %s)", ([job_id], [token])).fetchall() == []


def test_rescue_racing_completion_never_reverts_a_terminal_state(rel_url):
    """Completers and rescuers hammer the same jobs at once; every lease is made to expire.

    Each job ends exactly once: in history (completed) or back in the queue (rescued),
    never both; a completed job never reappears in conveyor.jobs.
    """
    rounds, per_round = 30, 20
    with psycopg.connect(rel_url, autocommit=True) as setup:
        completed: set[int] = set()
        rescued_total = 0
        for _ in range(rounds):
            ids = [
                r[0]
                for r in setup.execute(
                    "select conveyor.enqueue('rel_work', jsonb_build_object('i', g)) from generate_series(1, %s) g",
                    (per_round,),
                )
            ]
            claimed = claim(setup, "racer", per_round)
            assert {c[0] for c in claimed} == set(ids)
            setup.execute("update conveyor.jobs set locked_until = now() where id = any(%s)", (ids,))
            barrier = threading.Barrier(3)
            results: dict[str, object] = {}

            def completer(claimed=claimed, barrier=barrier, results=results):
                with psycopg.connect(rel_url, autocommit=True) as c:
                    barrier.wait()
                    rows = c.execute(
                        "select conveyor.complete_jobs(%s, %s)", ([x[0] for x in claimed], [x[1] for x in claimed])
                    ).fetchall()
                    results["done"] = {r[0] for r in rows}

            def rescuer(results=results, barrier=barrier, key="r1"):
                with psycopg.connect(rel_url, autocommit=True) as c:
                    barrier.wait()
                    results[key] = c.execute("select conveyor.rescue_expired()").fetchone()[0]

            threads = [
                threading.Thread(target=completer),
                threading.Thread(target=rescuer, kwargs={"key": "r1"}),
                threading.Thread(target=rescuer, kwargs={"key": "r2"}),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            done = results["done"]
            rescued = results["r1"] + results["r2"]
            assert len(done) + rescued == per_round
            in_history = {r[0] for r in setup.execute("select id from conveyor.job_history where id = any(%s)", (ids,))}
            assert in_history == done
            still = {r[0] for r in setup.execute("select id from conveyor.jobs where id = any(%s)", (ids,))}
            assert still == set(ids) - done, "a completed job came back, or a rescued one vanished"
            assert not (still & completed)
            completed |= done
            rescued_total += rescued
            # Drain what was rescued so the next round starts clean.
            setup.execute("delete from conveyor.jobs where id = any(%s)", (list(still),))
        final = setup.execute("select count(*) from conveyor.jobs where id = any(%s)", (list(completed),)).fetchone()[0]
        assert final == 0
    # Every job ended exactly once, one way or the other.
    assert len(completed) + rescued_total == rounds * per_round


def test_a_rescue_racing_a_completion_takes_only_what_the_completion_has_not_locked(rel_url):
    """Forced interleaving: a completion blocked on its first row while rescuers run; each job ends one way only.

    The completion locks its rows one by one, in id order (ascending or descending,
    as the plan goes). A blocker holds the lowest and the highest id, so the
    completion waits on its very first row with nothing locked yet. Rescuers (skip
    locked) then take every other job. Released, the completion finishes the two
    held jobs and finds the others' tokens gone. Both sides of the race win, every time.
    """
    n = 10
    with psycopg.connect(rel_url, autocommit=True) as setup:
        ids = [r[0] for r in setup.execute("select conveyor.enqueue('rel_work') from generate_series(1, %s)", (n,))]
        claimed = claim(setup, "racer", n)
        setup.execute("update conveyor.jobs set locked_until = now() where id = any(%s)", (ids,))
        held = {min(ids), max(ids)}
        with psycopg.connect(rel_url) as blocker:
            blocker.execute("select 1 from conveyor.jobs where id = any(%s) for update", (list(held),))
            results: dict[str, object] = {}

            def completer():
                with psycopg.connect(rel_url, autocommit=True, application_name="racing-completer") as c:
                    rows = c.execute(
                        "select conveyor.complete_jobs(%s, %s)", ([x[0] for x in claimed], [x[1] for x in claimed])
                    ).fetchall()
                    results["done"] = {r[0] for r in rows}

            thread = threading.Thread(target=completer)
            thread.start()
            wait_for(
                lambda: setup.execute(
                    "select count(*) from pg_stat_activity "
                    "where application_name = 'racing-completer' and wait_event_type = 'Lock'"
                ).fetchone()[0],
                what="the completion to wait on its first row",
            )
            rescued = sum(setup.execute("select conveyor.rescue_expired()").fetchone()[0] for _ in range(2))
            blocker.rollback()
        thread.join(60)
        assert rescued == n - len(held)
        assert results["done"] == held
        in_history = {r[0] for r in setup.execute("select id from conveyor.job_history where id = any(%s)", (ids,))}
        assert in_history == held
        queued = "select id from conveyor.jobs where state = 'queued' and id = any(%s)"
        assert {r[0] for r in setup.execute(queued, (ids,))} == set(ids) - held
