"""Background work on the fund: reading a big upload of a quarter's figures.

Tasks take primary keys, call one service, and are safe to run twice.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, name="finance.positions_upload_read")
def positions_upload_read(self, upload_id: int) -> str:
    """Read a queued upload of figures, all or nothing; returns its state. Safe to run twice
    (only a queued upload is read)."""
    from bury_hc.uploads import file_upload_run
    from finance.services import positions_import_from_upload

    return file_upload_run(upload_id=upload_id, read=positions_import_from_upload).state
