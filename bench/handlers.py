"""The benchmark's handlers: a no-op for throughput, and a ping that notes when it started.

`bench_noop` does nothing, so a drain measures the queue and the runner, not the work.
`bench_ping` notes (job seq, time.monotonic()) in the file named by BENCH_PING_FILE:
CLOCK_MONOTONIC is one clock for every process on the machine, so the producer's
commit time and the handler's start time can be subtracted.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pgconveyor.core.registry import handler

_out: Any = None


@handler("bench_noop")
async def noop(job: Any) -> None:
    return None


@handler("bench_ping")
async def ping(job: Any) -> None:
    started = time.monotonic()
    global _out
    if _out is None:
        _out = open(os.environ["BENCH_PING_FILE"], "a", buffering=1)
    _out.write(f"{job.payload['seq']} {started:.6f}\n")
