"""One PGQueuer QueueManager process for the benchmark: `drain` (timed) or `serve` (until SIGTERM).

    python -m bench.pgq_worker drain DSN BATCH
    python -m bench.pgq_worker serve DSN BATCH   (BENCH_PING_FILE set)
The asyncpg driver on one connection, as PGQueuer's performance guide advises for a
QueueManager. `drain` prints one JSON line like bench.ours_worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import timedelta

import asyncpg
import orjson
from pgqueuer import AsyncpgDriver, Queries, QueueManager
from pgqueuer.types import QueueExecutionMode


async def run(mode: str, dsn: str, batch: int) -> dict[str, float]:
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    qm = QueueManager(Queries(AsyncpgDriver(conn)))
    done = 0

    if mode == "drain":

        @qm.entrypoint("bench_noop")
        async def noop(job: object) -> None:
            nonlocal done
            done += 1

        await qm.run(batch_size=batch, mode=QueueExecutionMode.drain)
    else:
        out = open(os.environ["BENCH_PING_FILE"], "a", buffering=1)

        @qm.entrypoint("bench_ping")
        async def ping(job: object) -> None:
            at = time.monotonic()
            out.write(f"{orjson.loads(job.payload)['seq']} {at:.6f}\n")  # type: ignore[attr-defined]

        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, qm.shutdown.set)
        await qm.run(batch_size=batch, dequeue_timeout=timedelta(seconds=5))
    seconds = time.perf_counter() - started
    await conn.close()
    return {"seconds": seconds, "completed": done}


def main(argv: list[str]) -> int:
    result = asyncio.run(run(argv[0], argv[1], int(argv[2])))
    if argv[0] == "drain":
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
