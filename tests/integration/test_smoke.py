"""The engine end to end through SQL alone: enqueue, claim, complete."""

from __future__ import annotations


def test_enqueue_claim_complete(conn):
    job_id = conn.execute("select conveyor.enqueue('alert', '{\"n\": 1}')").fetchone()[0]
    rows = conn.execute("select id, lease_token from conveyor.claim_batch('w1', 10)").fetchall()
    assert [r[0] for r in rows] == [job_id]
    conn.execute("select conveyor.complete_job(%s, %s)", rows[0])
    assert conn.execute("select count(*) from conveyor.jobs").fetchone()[0] == 0
    assert conn.execute("select id from conveyor.job_history").fetchall() == [(job_id,)]
