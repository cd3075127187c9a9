"""The scale mode's reference runner: the least Python that drains the queue with the same calls.

    python -m bench.minimal_loop URL BATCH

One sync psycopg connection in autocommit, one loop: `conveyor.claim_batch` of BATCH
`bench_noop` jobs, then `conveyor.complete_jobs` of what it claimed (two commits per
batch, as the runner does), until a claim comes back empty. No handler call, no
concurrency, no heartbeat, no LISTEN: what a runner costs beyond this is its own.
Prints one JSON line like bench.ours_worker.
"""

from __future__ import annotations

import json
import os
import sys
import time

import psycopg


def main(argv: list[str]) -> int:
    url, batch = argv[0], int(argv[1])
    worker = f"minimal:{os.getpid()}"
    started = time.perf_counter()
    done = 0
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "select id, lease_token from conveyor.claim_batch(%s, %s, %s)", (worker, batch, ["bench_noop"])
            ).fetchall()
            if not rows:
                break
            ids = [r[0] for r in rows]
            tokens = [r[1] for r in rows]
            done += len(conn.execute("select conveyor.complete_jobs(%s, %s)", (ids, tokens)).fetchall())
    print(json.dumps({"seconds": time.perf_counter() - started, "completed": done}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
