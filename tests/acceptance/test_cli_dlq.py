"""``conveyor dlq`` over both queues, as an operator types it: triage, show, requeue and purge of pgmq dead letters."""

from __future__ import annotations

import json

from runner_helpers import assert_one_line_error, run_cli, scalar


def bury_poison(conn, *messages: str) -> None:
    for m in messages:
        conn.execute("select pgmq.send('alert_jobs', %s::jsonb)", (m,))
    conn.execute("select count(*) from conveyor.pgmq_read('alert_jobs')")


def test_triage_show_requeue_and_purge_pgmq_dead_letters(db_url, conn):
    bury_poison(
        conn,
        '{"job_id": "order-17", "job_type": "alert", "payload": {}}',
        '{"job_id": "order-18", "job_type": "alert", "payload": {}}',
        '{"job_type": "nope"}',
    )
    conn.execute(
        "insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, "
        "last_error, reason, created_at) values (-5, 'calendar_sync', '{}', 0, 5, 5, '[]', 'boom 5', "
        "'attempts exhausted', now())"
    )

    triage = run_cli(db_url, "dlq", "list")
    assert triage.returncode == 0, triage.stderr
    lines = triage.stdout.splitlines()
    assert any(line.startswith("2 ") and "alert_jobs_dlq" in line and 'job_id "order-<n>"' in line for line in lines), (
        triage.stdout
    )
    assert any("jobs" in line and "calendar_sync" in line and "boom <n>" in line for line in lines)

    groups = json.loads(run_cli(db_url, "dlq", "list", "--json").stdout)
    order = next(g for g in groups if "order-<n>" in g["fingerprint"])
    each = run_cli(db_url, "dlq", "list", "--each", "--queue", "alert_jobs")
    assert each.returncode == 0 and each.stdout.count("alert_jobs_dlq") == 3

    msg_id = scalar(conn, "select min(msg_id) from pgmq.q_alert_jobs_dlq")
    shown = run_cli(db_url, "dlq", "show", str(msg_id), "--queue", "alert_jobs")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["message"]["job_id"] == "order-17"

    requeued = run_cli(db_url, "dlq", "requeue", "--fingerprint", order["fingerprint_id"], "--limit", "1")
    assert requeued.returncode == 0, requeued.stderr
    assert "requeued 1 job(s)" in requeued.stdout and "at most 1 per call" in requeued.stdout
    assert scalar(conn, "select count(*) from pgmq.q_alert_jobs") == 1

    purged = run_cli(db_url, "dlq", "purge", "--queue", "alert_jobs")
    assert purged.returncode == 0, purged.stderr
    assert "purged 2 job(s)" in purged.stdout
    assert scalar(conn, "select count(*) from pgmq.q_alert_jobs_dlq") == 0
    assert scalar(conn, "select count(*) from conveyor.dead_letters") == 1


def test_bad_dlq_commands_are_refused_and_change_nothing(db_url, conn):
    bury_poison(conn, '{"job_type": "nope"}')
    line = assert_one_line_error(run_cli(db_url, "dlq", "requeue"))
    assert "say which dead letters" in line
    line = assert_one_line_error(run_cli(db_url, "dlq", "purge", "--queue", "alert_jobs", "--limit", "0"))
    assert "limit 0 is out of range" in line
    line = assert_one_line_error(run_cli(db_url, "dlq", "purge", "--queue", "nowhere"))
    assert "no dead-letter queue 'nowhere'" in line
    line = assert_one_line_error(run_cli(db_url, "dlq", "show", "1", "--queue", "nowhere"))
    assert "nowhere" in line
    assert scalar(conn, "select count(*) from pgmq.q_alert_jobs_dlq") == 1
