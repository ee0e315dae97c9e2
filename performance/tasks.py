"""Background work on measures: rebuilding dashboard snapshots, and checking and importing big
uploads.

Tasks are a door into the services: they take primary keys and quarter codes, call one service,
and are safe to run twice. The services queue them by name (`performance.services.rebuilds`),
so nothing below imports this module.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from bury_hc.periods import Quarter
from performance.models import ObservationImport
from performance.services.imports import observation_import_apply as apply
from performance.services.imports import observation_import_check as check
from performance.services.imports import observation_imports_sweep as imports_sweep
from performance.snapshots import snapshots_rebuild as rebuild


@shared_task(bind=True, acks_late=True, max_retries=3, name="performance.snapshots_rebuild")
def snapshots_rebuild(
    self, measure_ids: list[int] | None = None, quarter_codes: list[str] | None = None
) -> int:
    """Rebuild the snapshots of the given measures and quarters (all when None); idempotent.
    Returns how many snapshots were written."""
    try:
        quarters = [Quarter.from_code(code) for code in quarter_codes] if quarter_codes else None
        return rebuild(measure_ids=measure_ids, quarters=quarters)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


# --- Imports of measure values ----------------------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=3, name="performance.observation_import_check")
def observation_import_check(self, import_id: int) -> str:
    """Check a big upload as a whole (a dry run) and keep its problems or plan; safe to repeat.
    Returns the upload's state."""
    try:
        upload = ObservationImport.objects.get(pk=import_id)
        if upload.state != ObservationImport.State.QUEUED:
            return upload.state
        return check(observation_import=upload).state
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(bind=True, acks_late=True, max_retries=3, name="performance.observation_import_apply")
def observation_import_apply(self, import_id: int) -> str:
    """Import a confirmed upload in one transaction, keeping progress in rows_done; safe to run
    twice (an upload no longer queued is left alone). Returns the upload's state."""
    try:
        return apply(import_id=import_id).state
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(name="performance.observation_imports_sweep", acks_late=True)
def observation_imports_sweep() -> dict[str, list[int]]:
    """Release uploads whose worker died (see the service); beat runs it every minute.
    Returns the uploads sent again and those marked failed."""
    outcome = imports_sweep()
    return {"requeued": outcome.requeued, "failed": outcome.failed}
