"""The Grafana dashboard and alert rules run against a migrated database, so they cannot drift from the views."""

from __future__ import annotations

import json
import re

import psycopg
import pytest
import yaml

from pgconveyor.core.config import PROJECT_ROOT

DASHBOARDS = PROJECT_ROOT / "dashboards"
DASHBOARD = json.loads((DASHBOARDS / "pgconveyor.json").read_text())
RULES = yaml.safe_load((DASHBOARDS / "provisioning" / "alerting" / "pgconveyor-rules.yaml").read_text())
DATASOURCES = yaml.safe_load((DASHBOARDS / "provisioning" / "datasources" / "pgconveyor.yaml").read_text())
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def expand_macros(sql: str) -> str:
    """Grafana's PostgreSQL macros, as Grafana expands them for a 6-hour range."""

    def group(match: re.Match[str]) -> str:
        column, step = match.group(1).strip(), match.group(2).strip().strip("'")
        amount, unit = re.fullmatch(r"(\d+)([smhd])", step).groups()
        return f"date_bin(interval '{amount} {UNITS[unit]}', {column}, timestamptz 'epoch') as time"

    sql = re.sub(r"\$__timeGroupAlias\(([^,]+),([^)]+)\)", group, sql)
    sql = re.sub(r"\$__timeFilter\(([^)]+)\)", r"\1 between now() - interval '6 hours' and now()", sql)
    sql = sql.replace("$__timeFrom()", "(now() - interval '6 hours')").replace("$__timeTo()", "now()")
    assert "$__" not in sql, f"a Grafana macro this test does not expand: {sql}"
    return sql


def panel_queries() -> list[tuple[str, str, str]]:
    return [
        (f"{p['title']} / {t['refId']}", t["format"], t["rawSql"]) for p in DASHBOARD["panels"] for t in p["targets"]
    ]


@pytest.fixture
def busy(conn):
    """Work in every state, some history, a worker, a schedule run, pgmq work, and one problem (11 dead letters)."""
    conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 5)")
    conn.execute("select count(*) from conveyor.claim_batch('w1', 2)")
    conn.execute(
        "insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at) "
        "select -g, 'metric', 0, 1, now() - g * interval '1 minute', now() - g * interval '1 minute', "
        "       now() - g * interval '1 minute' + interval '0.3 seconds' from generate_series(1, 120) as g"
    )
    conn.execute(
        "insert into conveyor.dead_letters (id, job_type, payload, priority, attempts, max_attempts, errors, reason, "
        "  created_at, died_at) "
        "select -g, 'alert', '{}', 0, 5, 5, '[]', 'test', now(), now() - g * interval '10 minutes' "
        "from generate_series(1, 11) as g"
    )
    conn.execute("select conveyor.worker_heartbeat('w1', array['alert'], 2, 10, 'host', 1)")
    conn.execute("select conveyor.run_schedule('risk_check')")
    pgmq_activity(conn)
    return conn


def pgmq_activity(conn) -> None:
    """pgmq work: one message acknowledged, one failed read (retry), one buried, one still waiting."""
    conn.execute("select conveyor.dispatch('metric', jsonb_build_object('n', g)) from generate_series(1, 4) as g")
    rows = conn.execute("select msg_id, read_ct from conveyor.pgmq_read('metrics_jobs', 3, 30)").fetchall()
    conn.execute("select conveyor.pgmq_ack('metrics_jobs', array[%s]::bigint[], array[%s])", rows[0])
    conn.execute("select conveyor.pgmq_fail('metrics_jobs', %s, %s, 'boom 1')", rows[1])
    conn.execute("select conveyor.pgmq_fail('metrics_jobs', %s, %s, 'boom 2', null, 1)", rows[2])


@pytest.mark.parametrize(("name", "fmt", "sql"), panel_queries(), ids=[q[0] for q in panel_queries()])
def test_every_panel_query_runs(busy, name, fmt, sql):
    cur = busy.execute(expand_macros(sql))
    rows = cur.fetchall()
    columns = [c.name for c in cur.description]
    if fmt == "time_series":
        assert columns == ["time", "metric", "value"], f"{name}: Grafana expects time, metric, value"
        assert rows, f"{name}: no data from a busy database"
    else:
        assert rows, f"{name}: no rows"


def test_panels_use_the_provisioned_datasource():
    uid = DATASOURCES["datasources"][0]["uid"]
    for panel in DASHBOARD["panels"]:
        assert panel["datasource"]["uid"] == uid
        assert all(t["datasource"]["uid"] == uid for t in panel["targets"])
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"


def rule_queries() -> list[tuple[str, str]]:
    out = []
    for rule in RULES["groups"][0]["rules"]:
        query = next(d for d in rule["data"] if d["refId"] == "A")
        assert query["datasourceUid"] == DATASOURCES["datasources"][0]["uid"]
        out.append((rule["uid"], query["model"]["rawSql"]))
    return out


def test_alert_rules_cover_every_health_check():
    checks = {re.search(r"'(\w+)'$", sql).group(1) for _uid, sql in rule_queries()}
    assert checks == {
        "pending",
        "pgmq_depth",
        "dead",
        "stalled",
        "oldest_pending",
        "missed_schedule",
        "old_transaction",
    }
    # health() asks one function per check (functions/health/*_function__health_*.sql).
    health_sql = "".join(
        p.read_text() for p in (PROJECT_ROOT / "functions" / "health").glob("*_function__health_*.sql")
    )
    for check in checks:
        assert f"'check', '{check}'" in health_sql, f"health() has no check named {check}"


def test_alert_rules_fire_only_on_their_problem(conn):
    conn.execute("update conveyor.schedules set enabled = false")
    values = {uid: conn.execute(sql).fetchone()[0] for uid, sql in rule_queries()}
    assert set(values.values()) == {0}, "a healthy database fires nothing"
    conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 51)")
    values = {uid: conn.execute(sql).fetchone()[0] for uid, sql in rule_queries()}
    assert {uid for uid, v in values.items() if v} == {"pgconveyor-pending"}


def test_a_read_only_grafana_role_can_run_every_query(busy, db_url):
    """The role docs/operations.md sets up (grant_reader: RLS policies, no BYPASSRLS) sees every panel and alert."""
    role = f"grafana_reader_{db_url.rsplit('_', 1)[-1]}"
    conn = busy
    conn.execute("update conveyor.schedules set enabled = false")  # pg_cron does not run them in a test database
    conn.execute(f"create role {role} nologin")
    try:
        conn.execute("select conveyor.grant_reader(%s)", (role,))
        assert not conn.execute("select rolbypassrls from pg_roles where rolname = %s", (role,)).fetchone()[0]
        for name, _fmt, sql in panel_queries():
            # In one transaction now() stands still: the reader must see exactly what the owner sees.
            with conn.transaction():
                as_owner = conn.execute(expand_macros(sql)).fetchall()
                conn.execute(f"set local role {role}")
                assert conn.execute(expand_macros(sql)).fetchall() == as_owner, name
        assert any(conn.execute(expand_macros(sql)).fetchall() for _n, _f, sql in panel_queries()), (
            "the busy database gives the panels something to show"
        )
        conn.execute(f"set role {role}")
        for _uid, sql in rule_queries():
            assert conn.execute(sql).fetchone()[0] == (1 if "'dead'" in sql else 0)
        # Read-only: the role cannot enqueue.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select conveyor.enqueue('alert', '{}')")
    finally:
        conn.execute("reset role")
        conn.execute(f"drop role {role}")


def test_reconstructed_waiting_depth_ends_at_the_current_depth(conn):
    panel = next(p for p in DASHBOARD["panels"] if p["title"].startswith("Waiting jobs over time"))
    conn.execute("select conveyor.enqueue('alert', '{}') from generate_series(1, 5)")
    conn.execute("select count(*) from conveyor.claim_batch('w1', 2)")
    # Enqueued ten minutes ago, two started five minutes ago.
    conn.execute("update conveyor.jobs set created_at = now() - interval '10 minutes'")
    conn.execute("update conveyor.jobs set started_at = now() - interval '5 minutes' where state = 'running'")
    conn.execute(
        "insert into conveyor.job_history (id, job_type, priority, attempts, created_at, started_at, finished_at) "
        "select -g, 'metric', 0, 1, now() - interval '2 hours', now() - g * interval '1 minute', "
        "       now() - g * interval '1 minute' from generate_series(1, 30) as g"
    )
    rows = conn.execute(expand_macros(panel["targets"][0]["rawSql"])).fetchall()
    values = [r[2] for r in rows]
    assert values[0] == 30, "two hours ago all 30 history jobs were waiting"
    assert values[-1] == 3, "now: 5 enqueued ten minutes ago, 2 of them started"


def test_pgmq_depth_panel_ends_at_the_current_depth(conn):
    panel = next(p for p in DASHBOARD["panels"] if p["title"].startswith("pgmq depth per queue"))
    pgmq_activity(conn)
    events = conn.execute(
        "select queue, d from conveyor.pgmq_depth_events(now() - interval '6 hours', now()) order by t, d desc"
    ).fetchall()
    depth, peak = 0, 0
    for queue, d in events:
        assert queue == "metrics_jobs"
        depth += d
        peak = max(peak, depth)
    now = dict(conn.execute("select queue_name, depth from conveyor.pgmq_queue_depths()").fetchall())
    assert depth == now["metrics_jobs"] == 2, "the running sum ends at the depth now: one retrying, one waiting"
    assert peak == 4, "all four were waiting before the first was acknowledged"
    rows = conn.execute(expand_macros(panel["targets"][0]["rawSql"])).fetchall()
    assert rows and {metric for _t, metric, _v in rows} == {"metrics_jobs"}


def test_dead_letter_panel_counts_every_queue(conn):
    panel = next(p for p in DASHBOARD["panels"] if p["title"] == "pgmq dead-letter queues")
    pgmq_activity(conn)
    rows = conn.execute(expand_macros(panel["targets"][0]["rawSql"])).fetchall()
    assert rows[0][:3] == ("metrics_jobs_dlq", 1, 1)
    assert {r[0] for r in rows} == {"jobs", "alert_jobs_dlq", "autosniping_jobs_dlq", "metrics_jobs_dlq"}
