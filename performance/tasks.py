"""Background work on measures: rebuilding dashboard snapshots after imports.

Tasks take primary keys and quarter codes, call one service, and are safe to run twice.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from bury_hc.periods import Quarter


@shared_task(bind=True, acks_late=True, max_retries=3, name="performance.snapshots_rebuild")
def snapshots_rebuild(
    self, measure_ids: list[int] | None = None, quarter_codes: list[str] | None = None
) -> int:
    """Rebuild the snapshots of the given measures and quarters (all when None); idempotent.
    Returns how many snapshots were written."""
    from performance.snapshots import snapshots_rebuild as rebuild

    try:
        quarters = [Quarter.from_code(code) for code in quarter_codes] if quarter_codes else None
        return rebuild(measure_ids=measure_ids, quarters=quarters)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(
    bind=True, acks_late=True, max_retries=3, name="performance.snapshots_rebuild_for_batch"
)
def snapshots_rebuild_for_batch(self, batch_id: int) -> int:
    """Rebuild only the snapshots an import batch (or its rollback) affected; idempotent."""
    from performance.snapshots import snapshot_scope_for_batch, snapshots_rebuild

    try:
        measure_ids, quarters = snapshot_scope_for_batch(batch_id=batch_id)
        return snapshots_rebuild(measure_ids=measure_ids, quarters=quarters)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30) from exc


# --- Imports of measure values ----------------------------------------------------------------


@shared_task(bind=True, acks_late=True, max_retries=3, name="performance.observation_import_check")
def observation_import_check(self, import_id: int) -> str:
    """Check a big upload as a whole (a dry run) and keep its problems or plan; safe to repeat.
    Returns the upload's state."""
    from performance.models import ObservationImport
    from performance.services import observation_import_check as check

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
    from performance.services import observation_import_apply as apply

    try:
        return apply(import_id=import_id).state
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30) from exc
