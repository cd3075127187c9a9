"""pgconveyor's runner: claims jobs with conveyor.claim_batch(), runs handlers, reports outcomes.

Everything that decides (priority, backoff, leases, dead letters) is SQL in the
``conveyor`` schema; this package only claims, dispatches and reports.
"""

from runner.registry import handler

__all__ = ["handler"]
__version__ = "0.1.0"
