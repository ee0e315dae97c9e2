"""Background work for packs: rendering an export into its file."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def pack_export_render(self, export_id: int) -> None:
    """Render one export request into its file. Idempotent per request (see
    `scrutiny.services.pack_export_run`): safe to deliver twice or after a worker died."""
    from scrutiny.services import pack_export_fail, pack_export_run

    try:
        pack_export_run(export_id=export_id)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=10) from exc
    except Exception as exc:
        pack_export_fail(export_id=export_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="scrutiny.pack_exports_sweep", acks_late=True)
def pack_exports_sweep() -> dict[str, list[int]]:
    """Release exports whose worker died (see the service); beat runs it every minute.
    Returns the exports sent again and those marked failed."""
    from scrutiny.services import pack_exports_sweep as sweep

    outcome = sweep()
    return {"requeued": outcome.requeued, "failed": outcome.failed}
