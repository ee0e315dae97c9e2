"""The Bury locality plan performance monitor: project package and shared helpers."""

from bury_hc.celery import app as celery_app

__all__ = ["celery_app"]
