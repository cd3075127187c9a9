"""conveyor route / mode / dispatch: the commands, their output and their one-line errors."""

from __future__ import annotations

import json

from pgconveyor.ops.cli import main


def run(monkeypatch, capsys, db_url, *argv):
    monkeypatch.setenv("DATABASE_URL", db_url)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_route_list_shows_the_original_design(monkeypatch, capsys, db_url):
    code, out, _ = run(monkeypatch, capsys, db_url, "route", "list", "--json")
    assert code == 0
    routes = {r["job_type"]: (r["destination"], r["queue"]) for r in json.loads(out)}
    assert routes == {
        "calendar_sync": ("jobs", None),
        "risk_check": ("jobs", None),
        "housekeeping": ("jobs", None),
        "execution": ("pgmq", "autosniping_jobs"),
        "order_close": ("pgmq", "autosniping_jobs"),
        "alert": ("pgmq", "alert_jobs"),
        "metric": ("pgmq", "metrics_jobs"),
    }


def test_route_set_and_dispatch(monkeypatch, capsys, db_url, conn):
    code, out, _ = run(monkeypatch, capsys, db_url, "route", "set", "risk_check", "pgmq", "risk_jobs")
    assert code == 0 and "pgmq risk_jobs" in out
    assert conn.execute("select count(*) from pgmq.meta where queue_name like 'risk_jobs%'").fetchone()[0] == 2
    code, out, _ = run(monkeypatch, capsys, db_url, "dispatch", "risk_check", "--payload", '{"a": 1}')
    assert code == 0 and json.loads(out)["queue"] == "risk_jobs"


def test_hostile_queue_name_is_one_line_error(monkeypatch, capsys, db_url, conn):
    code, _, err = run(monkeypatch, capsys, db_url, "route", "set", "alert", "pgmq", "x'; drop table conveyor.jobs; --")
    assert code == 1
    assert err.splitlines()[0] == "conveyor: error: invalid queue name 'x''; drop table conveyor.jobs; --'"
    assert "Traceback" not in err
    assert conn.execute("select queue_name from conveyor.routes where job_type = 'alert'").fetchone()[0] == "alert_jobs"


def test_mode_set_and_show(monkeypatch, capsys, db_url):
    code, out, _ = run(monkeypatch, capsys, db_url, "mode", "set", "--primary", "supabase", "--fallback", "true")
    assert code == 0 and "mode              fallback" in out
    code, out, _ = run(monkeypatch, capsys, db_url, "mode", "show", "--json")
    assert json.loads(out)["primary_executor"] == "postgres"
    code, _, err = run(monkeypatch, capsys, db_url, "mode", "set", "--dual-run", "perhaps")
    assert code == 2 and err.strip() == "conveyor: error: --dual-run must be true or false, got 'perhaps'"
