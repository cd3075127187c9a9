"""conveyor schedule through the CLI against a real database: every action, and one-line errors."""

from __future__ import annotations

import json

import pytest

from pgconveyor.ops.cli import main


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*argv):
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_schedule_lifecycle(cli, conn):
    code, out, _ = cli("schedule", "list")
    assert code == 0
    assert "calendar_sync" in out and "*/30 * * * *" in out and "(housekeeping)" in out

    assert cli("schedule", "add", "nightly", "0 2 * * *", "metric", "--payload", '{"a": 1}')[0] == 0
    row = conn.execute(
        "select cron, job_type, payload, enabled from conveyor.schedules where name = 'nightly'"
    ).fetchone()
    assert row == ("0 2 * * *", "metric", {"a": 1}, True)

    assert cli("schedule", "pause", "nightly")[0] == 0
    code, out, _ = cli("schedule", "list", "--json")
    nightly = next(s for s in json.loads(out) if s["schedule"] == "nightly")
    assert nightly["enabled"] is False

    code, out, _ = cli("schedule", "run-now", "nightly")
    assert code == 0 and "job" in out
    # metric is routed to pgmq: the scheduled run goes there, as dispatch would send it.
    assert conn.execute("select message ->> 'job_type' from pgmq.q_metrics_jobs").fetchall() == [("metric",)]
    assert conn.execute("select destination from conveyor.schedule_runs where schedule = 'nightly'").fetchall() == [
        ("pgmq",)
    ]

    assert cli("schedule", "resume", "nightly")[0] == 0
    assert conn.execute("select enabled from conveyor.schedules where name = 'nightly'").fetchone() == (True,)
    assert cli("schedule", "remove", "nightly")[0] == 0
    assert conn.execute("select count(*) from conveyor.schedules where name = 'nightly'").fetchone() == (0,)


def test_tick_runs_due_schedules(cli, conn):
    conn.execute("update conveyor.schedules set enabled = false")
    conn.execute("select conveyor.add_schedule('minutely', '* * * * *', 'risk_check')")
    conn.execute("update conveyor.schedules set created_at = now() - interval '2 minutes' where name = 'minutely'")
    code, out, _ = cli("schedule", "tick")
    assert code == 0 and out.startswith("minutely: due")
    assert conn.execute("select count(*) from conveyor.jobs").fetchone() == (1,)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("schedule", "add", "x", "not a cron", "metric"), "invalid cron expression"),
        (("schedule", "add", "x", "* * * * *", "nope"), "unknown job type"),
        (("schedule", "add", "x"), "needs NAME CRON JOB_TYPE"),
        (("schedule", "add", "x", "* * * * *", "metric", "--payload", "{"), "--payload is not valid JSON"),
        (("schedule", "remove", "nope"), "no schedule named"),
        (("schedule", "pause"), "needs a schedule name"),
        (("schedule", "run-now", "Bad-Name"), "invalid schedule name"),
        (("settings", "set", "history_retention", "forever"), "takes an interval from"),
        (("settings", "set", "history_retention"), "needs NAME VALUE"),
    ],
)
def test_errors_are_one_line(cli, argv, message):
    code, _out, err = cli(*argv)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert err.startswith("conveyor: error:")


def test_settings(cli, conn):
    code, out, _ = cli("settings", "list")
    assert code == 0 and "health_pending_max" in out and "50" in out
    assert cli("settings", "set", "health_pending_max", "80")[0] == 0
    assert conn.execute("select value from conveyor.settings where name = 'health_pending_max'").fetchone() == ("80",)
