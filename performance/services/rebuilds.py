"""Queueing background work after commit: the one place a dashboard rebuild is asked for.

Tasks are a door into the services, so the services never import `performance.tasks`: they
queue a task by its registered name (`PerformanceConfig.ready` registers them in every
process), so an eager Celery (the embedded default) still runs it, in a background thread of
the web process (`bury_hc.background`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bury_hc.jobs import job_send_on_commit
from bury_hc.periods import Quarter


def task_queue(name: str, *args: Any) -> None:
    """Queue the Celery task registered as `name` once the current transaction commits (at
    once outside one). An unknown name is a KeyError, never a message sent to no one. With
    the broker down the request still succeeds and the job waits for it (bury_hc.jobs)."""
    job_send_on_commit(name, *args)


def snapshots_rebuild_queue(
    *, measure_ids: Iterable[int], quarters: Iterable[Quarter] | None = None
) -> None:
    """Have the dashboard snapshots of these measures rebuilt after commit, for the given
    quarters (every quarter when None). Nothing is queued for no measures."""
    measure_ids = sorted(set(measure_ids))
    if not measure_ids:
        return
    codes = None if quarters is None else [quarter.code for quarter in sorted(quarters)]
    task_queue("performance.snapshots_rebuild", measure_ids, codes)
