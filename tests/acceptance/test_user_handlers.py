"""Issue 8 item 5: the user's handlers, not the demo's."""

from __future__ import annotations

import os
import textwrap

from runner_helpers import TESTS_DIR, assert_one_line_error, run_cli, scalar

USER_MODULE = """
from pgconveyor import Job, handler

@handler("calendar_sync")
def calendar_sync(job: Job) -> None:
    print("user calendar_sync", job.id)
"""


def _module(tmp_path, name: str, body: str) -> dict[str, str]:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return {"PYTHONPATH": os.pathsep.join([str(tmp_path), str(TESTS_DIR)])}


def test_a_user_module_registers_a_seed_job_type(db_url, conn, tmp_path):
    """calendar_sync, a seed type the demo also handles, runs the user's handler: the demo's are not loaded."""
    env = _module(tmp_path, "myapp_jobs", USER_MODULE)
    job_id = scalar(conn, "select conveyor.enqueue('calendar_sync', '{}')")
    result = run_cli(db_url, "worker", "--once", "--no-pgmq", "--handlers", "myapp_jobs", **env)
    assert result.returncode == 0, result.stderr
    assert "ValueError" not in result.stderr and "Traceback" not in result.stderr
    assert scalar(conn, "select count(*) from conveyor.job_history where id = %s", (job_id,)) == 1
    # The worker only claims what its handlers cover: the demo's types are not its own.
    assert "job_types=calendar_sync " in result.stderr or "job_types=calendar_sync\n" in result.stderr, result.stderr


def test_two_handlers_for_one_type_is_a_one_line_error_naming_both(db_url, tmp_path):
    env = _module(tmp_path, "mod_a", USER_MODULE)
    _module(tmp_path, "mod_b", USER_MODULE.replace("def calendar_sync", "def sync_calendars"))
    result = run_cli(db_url, "worker", "--once", "--handlers", "mod_a", "--handlers", "mod_b", **env)
    line = assert_one_line_error(result)
    assert "'calendar_sync'" in line
    assert "mod_a.calendar_sync" in line and "mod_b.sync_calendars" in line, line
