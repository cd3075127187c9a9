"""Two job types whose handlers hold their slot until the worker is stopped (test_worker_fair.py).

A worker with as many slots as its batch claims once and then waits: the jobs left
running are exactly the ones its first claim took.
"""

from __future__ import annotations

import asyncio

from pgconveyor.core.models import Job
from pgconveyor.core.registry import handler


@handler("fair_flood")
async def fair_flood(job: Job) -> None:
    await asyncio.sleep(3600)


@handler("fair_trickle")
async def fair_trickle(job: Job) -> None:
    await asyncio.sleep(3600)
