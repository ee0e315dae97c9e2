"""Background work of the milestone cycle: the daily reminders and the "returned" e-mail.

Tasks take primary keys and ISO dates, call one service, and are safe to run twice (the
reminders record every send; the returned notice is sent once per return, after commit).
"""

from __future__ import annotations

import datetime as dt
import smtplib

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


@shared_task(bind=True, acks_late=True, max_retries=3, name="programmes.reminders_send")
def reminders_send(self, today_iso: str | None = None) -> int:
    """Send the day's reminder digests (see `programmes.services.reminders_send`); returns how
    many people were e-mailed. Idempotent per day. Scheduled daily by beat."""
    from programmes import services

    today = dt.date.fromisoformat(today_iso) if today_iso else timezone.localdate()
    try:
        return len(services.reminders_send(today=today))
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=60) from exc


@shared_task(bind=True, acks_late=True, max_retries=3, name="programmes.update_returned_notify")
def update_returned_notify(self, update_id: int) -> int:
    """Tell the programme's leads an update was returned (one e-mail); retries if the mail
    server is unreachable."""
    from programmes import services

    try:
        return services.milestone_update_returned_notify(update_id=update_id)
    except (smtplib.SMTPException, ConnectionError) as exc:
        raise self.retry(exc=exc, countdown=120) from exc


@shared_task(bind=True, acks_late=True, name="programmes.milestone_plan_upload_read")
def milestone_plan_upload_read(self, upload_id: int) -> str:
    """Read a queued upload of a milestone plan, all or nothing; returns its state. Safe to
    run twice (only a queued upload is read)."""
    from bury_hc.uploads import file_upload_run
    from programmes.services import milestone_plan_import_from_upload

    return file_upload_run(upload_id=upload_id, read=milestone_plan_import_from_upload).state
