"""Issue 11, items 2 and 3: races between two real sessions, driven deterministically.

One session holds an open transaction; the other runs its statement in a thread.
The test waits until that statement either finished or is blocked on a lock (read
from pg_stat_activity), then lets the first session commit: no sleeps, no timing.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from reliability_kit import wait_for


class Background:
    """One statement run on its own connection in a thread; remembers its result or error."""

    def __init__(self, url: str, sql: str, params: tuple[Any, ...] = ()) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.pid = self.conn.info.backend_pid
        self.result: list[tuple[Any, ...]] | None = None
        self.error: psycopg.Error | None = None
        self.thread = threading.Thread(target=self._run, args=(sql, params), daemon=True)
        self.thread.start()

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            self.result = self.conn.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            self.error = exc

    def blocked_or_done(self, observer: psycopg.Connection[Any]) -> str | None:
        if not self.thread.is_alive():
            return "done"
        row = observer.execute("select wait_event_type from pg_stat_activity where pid = %s", (self.pid,)).fetchone()
        return "blocked" if row and row[0] == "Lock" else None

    def join(self) -> None:
        self.thread.join(60)
        assert not self.thread.is_alive(), "the background statement never finished"
        self.conn.close()


@pytest.fixture
def sessions(db_url):
    with psycopg.connect(db_url) as holder, psycopg.connect(db_url, autocommit=True) as observer:
        observer.execute("select conveyor.register_job_type('doomed')")
        yield holder, observer


def orphans(conn: psycopg.Connection[Any]) -> int:
    return conn.execute(
        "select count(*) from conveyor.jobs as j"
        " where not exists (select 1 from conveyor.job_types as t where t.name = j.job_type)"
    ).fetchone()[0]


def test_deleting_a_type_waits_for_an_uncommitted_enqueue(db_url, sessions):
    """Item 2: the delete waits for the enqueue, then its guard sees the job and refuses."""
    holder, observer = sessions
    holder.execute("select conveyor.enqueue('doomed', '{}')")  # open transaction, uncommitted job
    delete = Background(db_url, "delete from conveyor.job_types where name = 'doomed' returning name")
    state = wait_for(lambda: delete.blocked_or_done(observer), timeout=30, what="the delete to block or finish")
    holder.commit()
    delete.join()
    assert state == "blocked", "the delete did not wait for the uncommitted enqueue"
    assert delete.error is not None and delete.error.sqlstate == "23503"
    assert orphans(observer) == 0


def test_an_enqueue_after_an_uncommitted_delete_finds_the_type_gone(db_url, sessions):
    """Item 2, the other order: the enqueue waits for the delete, then refuses with 22023."""
    holder, observer = sessions
    holder.execute("delete from conveyor.job_types where name = 'doomed'")  # open transaction
    enqueue = Background(db_url, "select conveyor.enqueue('doomed', '{}')")
    batch = Background(db_url, "select conveyor.enqueue_batch('[{\"payload\": {}, \"priority\": 1}]', 'doomed')")
    fast = Background(db_url, "select conveyor.enqueue_batch('[{\"payload\": {}}]', 'doomed')")
    states = [
        wait_for(lambda b=b: b.blocked_or_done(observer), timeout=30, what="the enqueue to block or finish")
        for b in (enqueue, batch, fast)
    ]
    holder.commit()
    assert states == ["blocked"] * 3, "an enqueue did not wait for the uncommitted delete of its type"
    for b in (enqueue, batch, fast):
        b.join()
        assert b.error is not None and b.error.sqlstate == "22023", b.result
        assert "unknown job type" in b.error.diag.message_primary
    assert orphans(observer) == 0


def test_requeue_by_type_racing_an_enqueue_of_the_same_dedup_key(db_url, sessions):
    """Item 3: the dead job with the key stays dead, the others are requeued and counted; no raw 23505."""
    holder, observer = sessions
    for key in ("k1", "k2"):
        observer.execute("select conveyor.enqueue('doomed', '{}', p_dedup_key => %s)", (key,))
    observer.execute("select conveyor.move_to_dead_letter(id) from conveyor.jobs")
    holder.execute("select conveyor.enqueue('doomed', '{\"new\": true}', p_dedup_key => 'k1')")  # uncommitted
    requeue = Background(db_url, "select conveyor.requeue_dead('doomed')")
    state = wait_for(lambda: requeue.blocked_or_done(observer), timeout=30, what="the requeue to block or finish")
    holder.commit()
    requeue.join()
    assert state == "blocked", "the requeue did not wait for the uncommitted enqueue of the same key"
    assert requeue.error is None, requeue.error
    assert requeue.result == [(1,)], "only the job whose key is free was requeued and counted"
    assert observer.execute("select dedup_key from conveyor.dead_letters").fetchall() == [("k1",)]
    assert observer.execute("select dedup_key, payload from conveyor.jobs order by dedup_key").fetchall() == [
        ("k1", {"new": True}),
        ("k2", {}),
    ]


def test_requeue_by_type_after_the_racing_enqueue_rolls_back(db_url, sessions):
    holder, observer = sessions
    observer.execute("select conveyor.enqueue('doomed', '{}', p_dedup_key => 'k1')")
    observer.execute("select conveyor.move_to_dead_letter(id) from conveyor.jobs")
    holder.execute("select conveyor.enqueue('doomed', '{\"new\": true}', p_dedup_key => 'k1')")
    requeue = Background(db_url, "select conveyor.requeue_dead('doomed')")
    wait_for(lambda: requeue.blocked_or_done(observer) == "blocked", timeout=30, what="the requeue to block")
    holder.rollback()
    requeue.join()
    assert requeue.result == [(1,)]
    assert observer.execute("select count(*) from conveyor.dead_letters").fetchone()[0] == 0
    assert observer.execute("select payload from conveyor.jobs").fetchall() == [({},)]
