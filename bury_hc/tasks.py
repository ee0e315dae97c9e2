"""Housekeeping tasks for the whole project."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="bury_hc.tasks.sessions_clear_expired", acks_late=True)
def sessions_clear_expired() -> int:
    """Delete expired login sessions; returns how many. Idempotent (scheduled nightly by beat)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="bury_hc.jobs_waiting_send", acks_late=True)
def jobs_waiting_send() -> int:
    """Send the jobs kept while the broker was unreachable; returns how many went. Idempotent
    (beat runs it every minute)."""
    from bury_hc.jobs import waiting_jobs_send

    return waiting_jobs_send()


@shared_task(name="bury_hc.file_uploads_sweep", acks_late=True)
def file_uploads_sweep() -> list[int]:
    """Mark failed the uploads whose worker died while reading them; returns their ids.
    Idempotent (beat runs it every minute)."""
    from bury_hc.jobs import file_uploads_sweep as sweep

    return sweep().failed
