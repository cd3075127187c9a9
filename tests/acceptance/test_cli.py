"""The runner end to end through the ``conveyor`` command, as a user types it."""

from __future__ import annotations

import json

import pytest
from runner_helpers import assert_one_line_error, prepare, run_cli, scalar


def status(db_url: str) -> dict[str, dict]:
    result = run_cli(db_url, "status", "--json")
    assert result.returncode == 0, result.stderr
    return {row["job_type"]: row for row in json.loads(result.stdout)}


@pytest.mark.slow
def test_enqueue_work_status_and_dead_letters(db_url, conn):
    prepare(conn)
    conn.execute("select conveyor.register_job_type('t_fail', p_max_attempts => 2)")

    result = run_cli(db_url, "migrate")
    assert result.returncode == 0, result.stderr
    assert "schema is up to date" in result.stdout

    ok = run_cli(db_url, "enqueue", "t_record", "--payload", '{"n": 1}', "--priority", "3")
    assert ok.returncode == 0, ok.stderr
    ok_id = int(ok.stdout.strip())
    bad = run_cli(db_url, "enqueue", "t_fail", "--payload", '{"n": 2}')
    assert bad.returncode == 0, bad.stderr
    bad_id = int(bad.stdout.strip())
    later = run_cli(db_url, "enqueue", "t_record", "--delay", "3600")
    later_id = int(later.stdout.strip())

    before = status(db_url)
    assert before["t_record"]["ready"] == 1
    assert before["t_record"]["scheduled"] == 1
    assert before["t_fail"]["ready"] == 1
    assert before["t_record"]["completed_24h"] == 0

    table = run_cli(db_url, "status")
    assert table.returncode == 0, table.stderr
    header = table.stdout.splitlines()[0].split()
    assert header[:3] == ["job", "type", "ready"]
    assert any(line.startswith("t_record ") for line in table.stdout.splitlines())

    # --once: the first attempt of t_fail is retried after a short backoff, still
    # within this run's drain; both attempts fail and the job is dead-lettered.
    once = run_cli(db_url, "worker", "--once", "--handlers", "handlers_for_tests", "--poll-interval", "0.2")
    assert once.returncode == 0, once.stderr
    assert scalar(conn, "select count(*) from test_runs where job_id = %s", (ok_id,)) == 1
    assert scalar(conn, "select attempts from conveyor.job_history where id = %s", (ok_id,)) == 1
    # The delayed job is not due: --once left it alone.
    assert scalar(conn, "select attempts from conveyor.jobs where id = %s", (later_id,)) == 0

    # --once exits when nothing is due; the retry may still be waiting out its backoff.
    for _ in range(20):
        if scalar(conn, "select count(*) from conveyor.dead_letters where id = %s", (bad_id,)):
            break
        run_cli(db_url, "worker", "--once", "--handlers", "handlers_for_tests", "--poll-interval", "0.2")
    after = status(db_url)
    assert after["t_record"]["completed_24h"] == 1
    assert after["t_record"]["ready"] == 0
    assert after["t_fail"]["dead"] == 1

    listing = run_cli(db_url, "dlq", "list", "--each")
    assert listing.returncode == 0, listing.stderr
    assert str(bad_id) in listing.stdout and "attempts exhausted" in listing.stdout
    assert "RuntimeError: t_fail always fails (attempt 2)" in listing.stdout

    shown = run_cli(db_url, "dlq", "show", str(bad_id))
    assert shown.returncode == 0, shown.stderr
    dead = json.loads(shown.stdout)
    assert dead["id"] == bad_id and dead["payload"] == {"n": 2}
    assert [e["attempt"] for e in dead["errors"]] == [1, 2]

    requeued = run_cli(db_url, "dlq", "requeue", str(bad_id))
    assert requeued.returncode == 0, requeued.stderr
    assert scalar(conn, "select attempts from conveyor.jobs where id = %s", (bad_id,)) == 0
    assert scalar(conn, "select count(*) from conveyor.dead_letters") == 0
    # The error history survives the requeue.
    assert scalar(conn, "select jsonb_array_length(errors) from conveyor.jobs where id = %s", (bad_id,)) == 2

    assert run_cli(db_url, "dlq", "list").stdout.strip() == "no dead jobs"


def test_requeue_by_type(db_url, conn):
    prepare(conn)
    conn.execute("select conveyor.register_job_type('t_fail', p_max_attempts => 1)")
    for i in range(3):
        assert run_cli(db_url, "enqueue", "t_fail", "--payload", json.dumps({"i": i})).returncode == 0
    assert run_cli(db_url, "worker", "--once", "--handlers", "handlers_for_tests").returncode == 0
    assert scalar(conn, "select count(*) from conveyor.dead_letters") == 3
    result = run_cli(db_url, "dlq", "requeue", "--job-type", "t_fail")
    assert result.returncode == 0, result.stderr
    assert "requeued 3 t_fail job(s)" in result.stdout
    assert scalar(conn, "select count(*) from conveyor.jobs where job_type = 't_fail' and attempts = 0") == 3


def test_errors_are_one_line_without_traceback(db_url, conn):
    prepare(conn)
    line = assert_one_line_error(run_cli(db_url, "enqueue", "t_record", "--payload", "{not json"))
    assert "--payload is not valid JSON" in line

    line = assert_one_line_error(run_cli(db_url, "enqueue", "no_such_type", "--payload", "{}"))
    assert "unknown job type 'no_such_type'" in line

    line = assert_one_line_error(run_cli(db_url, "enqueue", "t_record", "--payload", "[1, 2]"))
    assert "must be a JSON object" in line

    line = assert_one_line_error(run_cli(db_url, "enqueue", "t_record", "--run-at", "tomorrow"))
    assert "--run-at" in line

    line = assert_one_line_error(run_cli(db_url, "dlq", "show", "987654321"))
    assert "987654321" in line and "dead-letter" in line

    line = assert_one_line_error(run_cli(db_url, "dlq", "requeue", "987654321"))
    assert "987654321" in line

    line = assert_one_line_error(run_cli(db_url, "worker", "--once", "--handlers", "no_such_module"))
    assert "no_such_module" in line

    # Nothing was enqueued by the refused commands.
    assert scalar(conn, "select count(*) from conveyor.jobs") == 0


def test_worker_logs_json_lines_with_job_fields(db_url, conn):
    prepare(conn)
    conn.execute("select conveyor.register_job_type('t_fail', p_max_attempts => 1)")
    ok = int(run_cli(db_url, "enqueue", "t_record").stdout)
    bad = int(run_cli(db_url, "enqueue", "t_fail").stdout)
    result = run_cli(db_url, "worker", "--once", "--log-json", "--handlers", "handlers_for_tests")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    by_job = {e["job_id"]: e for e in events if "job_id" in e}
    assert by_job[ok]["outcome"] == "completed" and by_job[ok]["job_type"] == "t_record"
    assert by_job[ok]["attempt"] == 1 and by_job[ok]["duration_ms"] > 0  # it wrote a row
    assert by_job[bad]["outcome"] == "dead" and by_job[bad]["level"] == "warning"
    assert by_job[bad]["error"].startswith("RuntimeError: t_fail always fails")
    assert {e["event"] for e in events} >= {"worker started", "worker stopped"}
