"""A pack export whose whole worker is SIGKILLed mid-task is made exactly once, by the sweep
and a new worker (PostgreSQL, Redis, real Celery workers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import transaction

from bury_hc import jobs
from scrutiny.models import PackExport
from scrutiny.services import pack_export_request, pack_exports_sweep
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.support.workers import default_queue, kill_whole_worker, tasks_succeeded, wait_for

REAL_JOB_SEND = jobs.job_send
TASK = "scrutiny.tasks.pack_export_render"


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    """The workers are other processes: they are given the same MEDIA_ROOT as the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_whose_whole_worker_is_killed_mid_task_is_made_exactly_once(
    published_pack, officer, monkeypatch
):
    first = celery_worker_start(redis_url=settings.REDIS_URL)
    replacement = None
    try:
        with default_queue(first.queue):
            monkeypatch.setattr(jobs, "job_send", lambda *args: True)
            export = pack_export_request(pack=published_pack, export_format="xlsx", by=officer)
            monkeypatch.setattr(jobs, "job_send", REAL_JOB_SEND)  # really through Redis, now
            # Hold the row, then send the request's job: the worker is stuck inside the task,
            # having received it but not acknowledged it.
            with transaction.atomic():
                PackExport.objects.select_for_update().get(pk=export.pk)
                jobs.job_send(TASK, export.pk)
                wait_for(lambda: f"Task {TASK}[" in first.log(), what="the worker to start it")
                kill_whole_worker(first)
            assert PackExport.objects.get(pk=export.pk).state == PackExport.State.QUEUED

            # The sweep finds it past its deadline and sends it again...
            monkeypatch.setattr(jobs, "JOB_WAIT_DEADLINE", dt.timedelta(0))
            assert pack_exports_sweep().requeued == [export.pk]
            # ...to a new worker, which also takes back the killed worker's unacknowledged
            # message once its (shortened) visibility timeout has passed: two deliveries.
            replacement = celery_worker_start(
                redis_url=settings.REDIS_URL,
                queue=first.queue,
                extra_env={"CELERY_BROKER_VISIBILITY_TIMEOUT": "5"},
            )
            wait_for(lambda: tasks_succeeded(replacement, TASK) >= 2, what="both deliveries")
    finally:
        celery_worker_stop(first)
        if replacement is not None:
            celery_worker_stop(replacement)

    export.refresh_from_db()
    assert export.state == PackExport.State.DONE
    assert export.attempts == 1  # rendered and stored once; the other delivery found it done
    assert export.sends == 2
    assert len(export.sha256) == 64
    assert export.file.size == export.size
