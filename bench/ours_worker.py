"""One pgconveyor runner process for the benchmark: `drain` (timed) or `serve` (until SIGTERM).

Run by bench.run as a separate process, as a deployment would run `conveyor worker`:
    python -m bench.ours_worker drain URL BATCH CONCURRENCY
    python -m bench.ours_worker serve URL BATCH CONCURRENCY   (BENCH_PING_FILE set)
`drain` prints one JSON line: seconds from the worker's start to its exit, and jobs completed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

import bench.handlers  # noqa: F401 - registers bench_noop and bench_ping
from pgconveyor.core.registry import registry
from pgconveyor.core.worker import Worker


def main(argv: list[str]) -> int:
    mode, url, batch, concurrency = argv[0], argv[1], int(argv[2]), int(argv[3])
    logging.basicConfig(level=logging.WARNING)
    handlers = registry()
    if mode == "drain":
        worker = Worker(
            url,
            handlers,
            job_types=["bench_noop"],
            batch_size=batch,
            concurrency=concurrency,
            once=True,
            install_signals=False,
        )
        started = time.perf_counter()
        code = asyncio.run(worker.run())
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "completed": worker.stats.completed}), flush=True)
        return code
    worker = Worker(url, handlers, job_types=["bench_ping"], batch_size=batch, concurrency=concurrency)
    return asyncio.run(worker.run())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
