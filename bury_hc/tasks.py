"""Housekeeping tasks for the whole project."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="bury_hc.tasks.sessions_clear_expired", acks_late=True)
def sessions_clear_expired() -> int:
    """Delete expired login sessions; returns how many. Idempotent (scheduled nightly by beat)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
