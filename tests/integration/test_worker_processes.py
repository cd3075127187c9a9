"""``conveyor worker --processes N``: N real worker processes under one supervisor.

The children share the queue (each job runs once), stop gracefully on one SIGTERM
and at once on a second, a SIGKILLed child is restarted and its job rescued after
its lease, and a child that keeps crashing makes the supervisor give up.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from pathlib import Path

import pytest
from runner_helpers import Proc, prepare, run_cli, scalar, start_worker, wait_for

from pgconveyor.ops.processes import cores, process_count


def children_of(pid: int) -> set[int]:
    """The live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def two_children(sup: Proc) -> set[int]:
    return wait_for(lambda: len(children_of(sup.pid)) == 2 and children_of(sup.pid), what="two worker processes")


def test_processes_option_parses_counts():
    assert process_count("3") == 3
    assert process_count("1") == 1
    assert process_count("0") == cores()
    assert process_count("auto") == cores()
    for bad in ("-1", "many", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            process_count(bad)


def test_bad_process_count_is_one_line_usage_error(db_url):
    result = run_cli(db_url, "worker", "--handlers", "handlers_for_tests", "--processes", "-2")
    assert result.returncode == 2
    assert "--processes" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_processes_share_the_queue_and_run_every_job_exactly_once(db_url, conn, tmp_path):
    prepare(conn)
    sup = start_worker(db_url, tmp_path / "sup.log", "--processes", "2", "--concurrency", "10", "--batch-size", "10")
    try:
        pids = two_children(sup)
        wait_for(lambda: sup.log().count("worker started") == 2, what="both workers to start")
        jobs = [{"job_type": "t_record", "payload": {"n": i, "sleep": 0.01}} for i in range(2000)]
        ids = {r[0] for r in conn.execute("select conveyor.enqueue_batch(%s::jsonb)", (json.dumps(jobs),))}
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.job_history") == len(ids) or not sup.alive(),
            timeout=240,
            interval=0.3,
            what="every job to complete",
        )
        assert children_of(sup.pid) == pids, "a worker process was restarted: " + sup.log()
    finally:
        code = sup.stop()
    assert code == 0, sup.log()
    assert "Traceback" not in sup.log() and "lease lost" not in sup.log()
    assert not any(alive(pid) for pid in pids)
    history = conn.execute("select count(*), count(distinct id), max(attempts) from conveyor.job_history").fetchone()
    assert history == (len(ids), len(ids), 1)
    assert {r[0] for r in conn.execute("select id from conveyor.job_history")} == ids
    # Claims were disjoint: no job ran twice, and both children ran jobs.
    assert conn.execute("select count(*), count(distinct job_id) from test_runs").fetchone() == (len(ids), len(ids))
    assert {r[0] for r in conn.execute("select distinct pid from test_runs")} == pids


@pytest.mark.slow
def test_sigterm_stops_every_process_gracefully(db_url, conn, tmp_path):
    prepare(conn)
    ids = [scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 3}')") for _ in range(10)]
    sup = start_worker(db_url, tmp_path / "sup.log", "--processes", "2", "--concurrency", "2", "--batch-size", "2")
    try:
        pids = two_children(sup)
        # Each child holds two jobs in flight.
        wait_for(
            lambda: (
                conn.execute(
                    "select count(*), count(distinct locked_by) from conveyor.jobs where state = 'running'"
                ).fetchone()
                == (4, 2)
            ),
            what="four jobs in flight in two processes",
        )
        in_flight = {r[0] for r in conn.execute("select id from conveyor.jobs where state = 'running'")}
        sup.signal(signal.SIGTERM)
        code = sup.wait(timeout=60)
    finally:
        sup.kill()
    assert code == 0, sup.log()
    assert sup.log().count("stop requested") >= 3  # the supervisor, then each child
    assert not any(alive(pid) for pid in pids)
    # The jobs in flight finished and were completed; the rest were never started.
    done = {r[0] for r in conn.execute("select id from conveyor.job_history")}
    assert in_flight <= done
    assert scalar(conn, "select count(*) from conveyor.jobs where state = 'running'") == 0
    left = dict(conn.execute("select id, attempts from conveyor.jobs").fetchall())
    assert set(left) | done == set(ids) and not set(left) & done
    assert set(left.values()) <= {0}
    assert conn.execute("select count(*), count(distinct job_id) from test_runs").fetchone() == (len(done), len(done))


@pytest.mark.slow
def test_second_signal_stops_every_process_at_once(db_url, conn, tmp_path):
    prepare(conn)
    ids = [scalar(conn, "select conveyor.enqueue('t_record', '{\"sleep\": 600}')") for _ in range(2)]
    sup = start_worker(
        db_url, tmp_path / "sup.log", "--processes", "2", "--concurrency", "1", "--grace", "600", "--lease", "2"
    )
    try:
        pids = two_children(sup)
        wait_for(
            lambda: scalar(conn, "select count(distinct locked_by) from conveyor.jobs where state = 'running'") == 2,
            what="a job in flight in each process",
        )
        sup.signal(signal.SIGTERM)
        wait_for(lambda: sup.log().count("stop requested") >= 3, what="every process to see the first signal")
        sup.signal(signal.SIGTERM)
        code = sup.wait(timeout=60)
    finally:
        sup.kill()
    # Not a clean stop: a non-zero exit, long before the 600 s grace period.
    assert code != 0, sup.log()
    assert sup.log().count("second stop signal") >= 3
    assert not any(alive(pid) for pid in pids)
    # Nothing ran to its end and nothing was lost: both jobs are still in the queue.
    assert {r[0] for r in conn.execute("select id from conveyor.jobs")} == set(ids)
    assert scalar(conn, "select count(*) from conveyor.job_history") == 0


@pytest.mark.slow
def test_a_killed_process_is_restarted_and_its_job_rescued(db_url, conn, tmp_path):
    prepare(conn)
    job = scalar(conn, "select conveyor.enqueue('t_record', '{\"hang_first\": true}')")
    sup = start_worker(db_url, tmp_path / "sup.log", "--processes", "2", "--lease", "2")
    try:
        pids = two_children(sup)
        owner = wait_for(
            lambda: scalar(conn, "select locked_by from conveyor.jobs where id = %s and state = 'running'", (job,)),
            what="the job in flight",
        )
        # Worker names are host:pid:suffix.
        victim = int(owner.split(":")[-2])
        assert victim in pids
        os.kill(victim, signal.SIGKILL)
        restarted = wait_for(
            lambda: (lambda now: len(now) == 2 and victim not in now and now)(children_of(sup.pid)),
            what="the killed process to be replaced",
        )
        assert pids - {victim} <= restarted
        # Its job stays running under the dead worker's lease until that expires; then a
        # claim rescues it and attempt 2 (which does not hang) completes it.
        wait_for(
            lambda: scalar(conn, "select count(*) from conveyor.job_history where id = %s", (job,)),
            timeout=120,
            what="the job to be rescued and completed",
        )
        assert sup.alive()
    finally:
        code = sup.stop()
    assert code == 0, sup.log()
    assert "process crashed" in sup.log()
    assert scalar(conn, "select attempts from conveyor.job_history where id = %s", (job,)) == 2
    # Attempt 1 never finished (killed); attempt 2 ran once, in another process.
    runs = conn.execute("select attempt, pid from test_runs where job_id = %s", (job,)).fetchall()
    assert len(runs) == 1 and runs[0][0] == 2 and runs[0][1] != victim


@pytest.mark.slow
def test_supervisor_gives_up_when_processes_keep_crashing(db_url, tmp_path):
    sup = start_worker(
        db_url, tmp_path / "sup.log", "--processes", "2", "--max-restarts", "1", "--handlers", "crash_handlers"
    )
    try:
        code = sup.wait(timeout=120)
    finally:
        sup.kill()
    assert code == 1, sup.log()
    assert "process crashed" in sup.log()
    assert "giving up" in sup.log()
