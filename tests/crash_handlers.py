"""A handler module that kills every worker process a supervisor starts (test_worker_processes.py).

The supervisor itself imports it too (it loads the handlers once to fail fast), but
only its children carry CONVEYOR_PROCESS_INDEX: they die at start, every time, as
a process with a broken handler module or setting would.
"""

from __future__ import annotations

import os

if os.environ.get("CONVEYOR_PROCESS_INDEX") is not None:
    os._exit(3)
