"""``conveyor worker --processes N``: one command, N worker processes, every core used.

One Python process runs handlers and reports outcomes on one core; a second process
on the same queue doubles what the runner can push through (``docs/scaling.md``).
The supervisor starts N copies of the same ``conveyor worker`` command (each with
``--processes 1``), and is nothing more than their parent:

- SIGTERM or SIGINT is forwarded once to every child as SIGTERM: each stops claiming
  and finishes its in-flight jobs. A second signal is forwarded again, and each child
  then stops at once (its unfinished jobs are handed back), as a single worker does.
- Children run in their own process group, so a Ctrl-C in a terminal reaches them
  only through the supervisor (once, not twice), and they get SIGTERM if the
  supervisor itself dies (``PR_SET_PDEATHSIG``): no orphaned workers.
- A child that exits on its own with a non-zero code, or is killed, is restarted
  after a backoff that doubles from 0.5 s up to 30 s. Its jobs are not lost: their
  leases expire and any worker's next claim rescues them. A child that ran for a
  minute or more counts as healthy again (its backoff starts over).
- More than ``--max-restarts`` crashes in a row of one child means something is
  wrong that restarting will not fix (a handler that kills its process, a bad
  setting): the supervisor stops the other children gracefully and exits 1.
- A child that exits 0 (``--once``: nothing left to do) is not restarted; the
  supervisor exits when every child has exited, with 0 only if all of them did.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger("conveyor.processes")

_SIGNALS = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT}
_PR_SET_PDEATHSIG = 1


def process_count(text: str) -> int:
    """``--processes``: a positive number, or ``0`` / ``auto`` for one per core this process may use."""
    if text.strip().lower() in ("0", "auto"):
        return cores()
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (or 'auto')") from None
    if n < 0:
        raise argparse.ArgumentTypeError("--processes must be 0 (one per core), 'auto' or a positive number")
    return n or cores()


def restart_limit(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of restarts (0 or more)")
    return n


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def add_worker_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--processes",
        type=process_count,
        default=1,
        metavar="N",
        help="worker processes under one supervisor (default 1; 0 or 'auto': one per core)",
    )
    parser.add_argument(
        "--max-restarts",
        type=restart_limit,
        default=5,
        metavar="N",
        help="with --processes: give up (exit 1) when a process crashes more than N times in a row (default 5)",
    )


@dataclass
class Child:
    index: int
    popen: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    crashes: int = 0  # in a row, reset once a run lasts `stable_after`
    restart_at: float | None = None  # a crashed child waiting for its backoff
    done: bool = False  # exited 0, or stopped: not restarted
    code: int = 0


class Supervisor:
    def __init__(
        self,
        command: Sequence[str],
        processes: int,
        *,
        max_restarts: int = 5,
        backoff: float = 0.5,
        backoff_cap: float = 30.0,
        stable_after: float = 60.0,
        env: dict[str, str] | None = None,
    ):
        if processes < 1:
            raise ValueError("a supervisor needs at least one process")
        if max_restarts < 0:
            raise ValueError("max_restarts must be 0 or more")
        self.command = list(command)
        self.children = [Child(i) for i in range(processes)]
        self.max_restarts = max_restarts
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.env = dict(os.environ if env is None else env)
        self.signals = 0  # stop signals received
        self.gave_up = False
        self._mask: set[signal.Signals] = set()

    # -- lifecycle ----------------------------------------------------------------

    def run(self) -> int:
        # Signals are blocked and taken synchronously with sigtimedwait: no handler can
        # interleave with starting or reaping a child, and no SIGCHLD can be missed.
        self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            log.info("supervisor started", extra={"processes": len(self.children), "pid": os.getpid()})
            for child in self.children:
                self._start(child)
            while any(not c.done for c in self.children):
                info = signal.sigtimedwait(_SIGNALS, self._wait_time())
                if info is not None and info.si_signo in (signal.SIGTERM, signal.SIGINT):
                    self._stop()
                self._reap()
                self._restart_due()
        except BaseException:
            for child in self.children:  # a bug of ours: never leave workers behind
                if child.popen is not None and child.popen.poll() is None:
                    child.popen.send_signal(signal.SIGTERM)
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)
        if self.gave_up:
            return 1
        codes = [c.code for c in self.children]
        log.info("supervisor stopped", extra={"exit_codes": ",".join(map(str, codes))})
        return next((code for code in codes if code), 0)

    def _wait_time(self) -> float:
        # SIGCHLD wakes us; the bound is for restarts that fall due, and a safety net.
        due = [c.restart_at for c in self.children if c.restart_at is not None]
        if not due:
            return 1.0
        return min(1.0, max(0.0, min(due) - time.monotonic()))

    def _start(self, child: Child) -> None:
        env = {**self.env, "CONVEYOR_PROCESS_INDEX": str(child.index)}
        mask = self._mask

        def in_child() -> None:  # runs in the forked child, before exec
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            try:
                ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
            except (OSError, AttributeError):
                pass  # not Linux: an orphaned child keeps running until it is stopped

        child.popen = subprocess.Popen(self.command, env=env, process_group=0, preexec_fn=in_child)
        child.started = time.monotonic()
        child.restart_at = None
        log.info("process started", extra={"slot": child.index, "pid": child.popen.pid})

    def _stop(self) -> None:
        self.signals += 1
        if self.signals == 1:
            log.info("stop requested: every process finishes its in-flight jobs")
        else:
            log.warning("second stop signal: every process stops now")
        for child in self.children:
            child.restart_at = None
            if child.popen is None or child.popen.poll() is not None:
                child.done = True
                continue
            child.popen.send_signal(signal.SIGTERM)

    def _reap(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.popen is None or child.done or child.restart_at is not None:
                continue
            code = child.popen.poll()
            if code is None:
                continue
            pid = child.popen.pid
            if self.signals or code == 0:
                child.done, child.code = True, code
                log.info("process exited", extra={"slot": child.index, "pid": pid, "exit_code": code})
                continue
            # A crash: exited non-zero, or killed by a signal (code -N), unasked.
            if now - child.started >= self.stable_after:
                child.crashes = 0
            child.crashes += 1
            if child.crashes > self.max_restarts:
                log.error(
                    "process keeps crashing: giving up",
                    extra={"slot": child.index, "pid": pid, "exit_code": code, "crashes": child.crashes},
                )
                child.done, child.code = True, code
                self.gave_up = True
                self._stop()
                continue
            delay = min(self.backoff_cap, self.backoff * 2 ** (child.crashes - 1))
            child.restart_at = now + delay
            log.warning(
                "process crashed: restarting it; its jobs are rescued when their leases expire",
                extra={"slot": child.index, "pid": pid, "exit_code": code, "restart_in_s": delay},
            )

    def _restart_due(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None and child.restart_at <= now and not self.signals:
                self._start(child)


def child_command(argv: Sequence[str]) -> list[str]:
    """The command line of one child: this same ``conveyor`` command, as one process.

    argparse keeps the last occurrence of an option, so appending ``--processes 1``
    overrides whatever the user gave. ``-P``: the child's import path is the
    parent's (no current directory prepended, as the ``conveyor`` script has none).
    """
    return [sys.executable, "-P", "-m", "pgconveyor.ops.cli", *argv, "--processes", "1"]


def supervise(args: argparse.Namespace) -> int:
    """Run ``args.argv`` (the ``conveyor worker ...`` arguments) as ``args.processes`` processes."""
    supervisor = Supervisor(child_command(args.argv), args.processes, max_restarts=args.max_restarts)
    return supervisor.run()
