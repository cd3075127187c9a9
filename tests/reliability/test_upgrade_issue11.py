"""Issue 11's migrations upgrade a database with jobs in every state, and roll back exactly.

The database is migrated, filled (queued, scheduled, running, retrying, dead,
completed, and an orphan whose type was deleted behind the guard's back), rolled
back to the schema before issue 11's migrations, and migrated again: nothing is lost, duplicated or
stranded, and the orphan is now a dead letter that requeue_dead can bring back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg

from pgconveyor.ops.migrate import migrate
from pgconveyor.ops.rollback import migrate_to

# The version just before issue 11's migrations (0570-0574): rolling back to it
# undoes them and whatever came after, and restores that version's code.
BEFORE = "0562_history_outcomes"
MODE_ROWS = ("primary_executor", "inngest_fallback", "dual_run")


def rollback(url: str) -> None:
    migrate_to(url, BEFORE)


def fill(conn: psycopg.Connection[Any]) -> None:
    conn.execute("select conveyor.register_job_type('up', p_max_attempts => 3)")
    conn.execute("select conveyor.register_job_type('gone')")
    for n in range(6):
        conn.execute("select conveyor.enqueue('up', jsonb_build_object('n', %s))", (n,))
    conn.execute("select conveyor.enqueue('up', '{\"n\": 10}', p_delay => interval '1 hour')")  # scheduled
    rows = conn.execute("select id, lease_token from conveyor.claim_batch('w', 4, array['up'])").fetchall()
    conn.execute("select conveyor.complete_job(%s, %s)", rows[0])  # completed
    conn.execute("select conveyor.fail_job(%s, %s, 'boom')", rows[1])  # retrying
    conn.execute("select conveyor.fail_job(%s, %s, 'fatal', p_permanent => true)", rows[2])  # dead
    # rows[3] stays running. An orphan, as the landed code let a racing delete make one:
    conn.execute("select conveyor.enqueue('gone', '{}')")
    conn.execute("alter table conveyor.job_types disable trigger job_types_guard_delete")
    conn.execute("delete from conveyor.job_types where name = 'gone'")
    conn.execute("alter table conveyor.job_types enable trigger job_types_guard_delete")


def snapshot(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    return {
        "jobs": conn.execute(
            "select id, job_type, state::text, attempts, lease_token, payload from conveyor.jobs order by id"
        ).fetchall(),
        "dead": conn.execute("select id, job_type, reason from conveyor.dead_letters order by id").fetchall(),
        "history": conn.execute("select id from conveyor.job_history order by id").fetchall(),
        "settings": conn.execute(
            "select name, value from conveyor.settings where name <> all(%s) order by name", (list(MODE_ROWS),)
        ).fetchall(),
    }


def test_upgrade_and_rollback_keep_every_job(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        fill(conn)  # with today's functions, then back to the schema before issue 11
        conn.execute("update conveyor.settings set value = '42' where name = 'health_pending_max'")
        conn.execute("select conveyor.set_execution_mode('postgres', true, false, interval '90 seconds')")
        rollback(db_url)
        # The mode is back in its one-row table, unhealthy_after taken from the one live-worker setting.
        assert conn.execute(
            "select primary_executor, inngest_fallback, dual_run, unhealthy_after from conveyor.execution_settings"
        ).fetchall() == [("postgres", True, False, timedelta(seconds=90))]
        before = snapshot(conn)
        orphan = conn.execute("select id from conveyor.jobs where job_type = 'gone'").fetchone()[0]

        migrate(db_url)
        after = snapshot(conn)
        assert after["jobs"] == [j for j in before["jobs"] if j[0] != orphan], "only the orphan left the hot table"
        assert after["dead"] == [*before["dead"], (orphan, "gone", "job type deleted")]
        assert after["history"] == before["history"]
        assert after["settings"] == before["settings"], "operators' values are kept"
        mode = conn.execute("select conveyor.execution_mode()").fetchone()[0]
        assert (mode["mode"], mode["unhealthy_after_seconds"]) == ("fallback", 90), "the mode survives the move"
        assert conn.execute("select kind from conveyor.settings where name = 'prune_batch_size'").fetchone() == (
            "count",
        )
        # The orphan comes back once its type exists again, and can then be claimed.
        conn.execute("select conveyor.register_job_type('gone')")
        assert conn.execute("select conveyor.requeue_dead(%s)", (orphan,)).fetchone()[0] == orphan

        # Rolled back again, the orphan's old place is restored exactly (it is a job again).
        conn.execute("select conveyor.move_to_dead_letter(%s, 'job type deleted')", (orphan,))
        rollback(db_url)
        assert (
            conn.execute("select count(*) from conveyor.dead_letters where reason = 'job type deleted'").fetchone()[0]
            == 0
        )
        assert conn.execute("select count(*) from conveyor.jobs where id = %s", (orphan,)).fetchone()[0] == 1
        assert (
            conn.execute(
                "select count(*) from information_schema.columns where table_schema = 'conveyor'"
                " and table_name = 'settings' and column_name = 'kind'"
            ).fetchone()[0]
            == 0
        )
        migrate(db_url)  # and forward again
        assert conn.execute("select count(*) from conveyor.jobs where id = %s", (orphan,)).fetchone()[0] == 1
