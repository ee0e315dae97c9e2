"""An import whose whole worker is SIGKILLed mid-import is applied exactly once, by the sweep
and a new worker (PostgreSQL, Redis, real Celery workers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from bury_hc import jobs
from bury_hc.models import ImportBatch
from performance import services
from performance.models import Observation, ObservationImport
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.factories.performance import AreaFactory, MeasureFactory, template_csv
from tests.support.workers import default_queue, kill_whole_worker, tasks_succeeded, wait_for

TASK = "performance.observation_import_apply"
REAL_JOB_SEND = jobs.job_send
States = ObservationImport.State


@pytest.fixture
def worker_media(monkeypatch, tmp_path, settings) -> None:
    """Uploads where the workers (started by the test) will look for them."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    settings.MEDIA_ROOT = tmp_path / "media"


def checked_upload(rows: int) -> ObservationImport:
    areas = [AreaFactory(ons_code=f"E080000{n:02d}") for n in range(1, 11)]
    measures = [MeasureFactory(code=f"M{n}") for n in range(5)]
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    months = [f"{month}-{year}" for year in range(15, 25) for month in names]
    cells = [(m.code, a.ons_code, month) for m in measures for a in areas for month in months]
    content = template_csv(*[(*cell, str(n % 997), "") for n, cell in enumerate(cells[:rows])])
    upload = services.observation_import_start(
        uploaded_file=SimpleUploadedFile("big.csv", content),
        file_format="template",
        source="Tests",
        published_on=None,
        mapping_profile=None,
        by=None,
    )
    upload = services.observation_import_check(observation_import=upload)
    assert upload.state == States.CHECKED, upload.problems
    return upload


def state(upload: ObservationImport) -> str:
    return ObservationImport.objects.values_list("state", flat=True).get(pk=upload.pk)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_import_whose_whole_worker_is_killed_mid_import_is_applied_exactly_once(
    worker_media, monkeypatch
):
    upload = checked_upload(6000)
    first = celery_worker_start(redis_url=settings.REDIS_URL)
    replacement = None
    try:
        with default_queue(first.queue):
            monkeypatch.setattr(jobs, "job_send", lambda *args: True)
            upload = services.observation_import_confirm(observation_import=upload)
            monkeypatch.setattr(jobs, "job_send", REAL_JOB_SEND)  # really through Redis, now
            # Block the import's writes, send its job, and kill the worker once it is importing.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    table = Observation._meta.db_table
                    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
                jobs.job_send(TASK, upload.pk)
                wait_for(lambda: state(upload) == States.IMPORTING, what="the import to start")
                kill_whole_worker(first)
            # Before: stuck "importing" for ever. Its transaction died with it: nothing written.
            assert state(upload) == States.IMPORTING
            assert not Observation.objects.exists()

            monkeypatch.setattr(jobs, "JOB_RUN_DEADLINE", dt.timedelta(0))
            assert services.observation_imports_sweep().requeued == [upload.pk]
            assert state(upload) == States.QUEUED
            # A new worker gets the sweep's message and, after its (shortened) visibility
            # timeout, the killed worker's unacknowledged one: two deliveries.
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

    upload.refresh_from_db()
    assert upload.state == States.APPLIED, upload.problems
    assert upload.plan["sends"] == 2
    assert ImportBatch.objects.filter(kind=ImportBatch.Kind.OBSERVATIONS).count() == 1
    assert Observation.objects.count() == Observation.objects.filter(batch=upload.batch).count()
    assert Observation.objects.count() == 6000
