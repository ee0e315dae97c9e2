"""The Celery application. Workers start with `celery -A bury_hc worker`, beat with `... beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bury_hc.settings")

app = Celery("bury_hc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
