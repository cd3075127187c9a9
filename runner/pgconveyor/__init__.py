"""pgconveyor: background jobs that live in PostgreSQL.

Everything that decides (priority, backoff, leases, dead letters, routing) is SQL in
the ``conveyor`` schema; this package claims work, runs your handlers and reports
the outcome. A handler module needs only::

    from pgconveyor import handler, Job, Retry, PermanentFailure

Layers: ``core`` (connection, named queries, job model, registry, executor, worker
loop), ``sources`` (pgmq, the Inngest outbox and served functions), ``ops`` (CLI,
HTTP, doctor, embedded cluster, migrate, demo). Arrows point one way: ops imports
sources and core, sources import core, core imports neither.
"""

from pgconveyor.core.models import Job, PermanentFailure, Retry
from pgconveyor.core.registry import handler

__all__ = ["Job", "PermanentFailure", "Retry", "handler"]
__version__ = "0.1.0"
