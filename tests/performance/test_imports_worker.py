"""A big upload is checked and imported by a real Celery worker, through Redis, into
PostgreSQL, with its progress kept as it goes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bury_hc.celery import app as celery_app
from performance import services
from performance.importing import BACKGROUND_ROWS
from performance.models import Observation, ObservationImport
from tests.factories.performance import big_template_rows, template_csv

TIMEOUT = 120  # seconds


@pytest.fixture
def worker_media(monkeypatch, tmp_path, settings) -> None:
    """Uploads where the worker (started after this fixture) will look for them."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def worker_queue_is_the_default(real_celery_worker) -> Iterator[None]:
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = real_celery_worker.queue
    try:
        yield
    finally:
        celery_app.conf.task_default_queue = previous


def wait_for(upload: ObservationImport, *states: str) -> ObservationImport:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.state in states:
            return upload
        time.sleep(0.5)
    raise AssertionError(f"The upload is still {upload.state} after {TIMEOUT} s")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_big_file_is_checked_and_imported_by_a_real_worker(
    worker_media, real_celery_worker, worker_queue_is_the_default
):
    rows = big_template_rows()
    assert len(rows) == 6000 > BACKGROUND_ROWS
    upload = services.observation_import_start(
        uploaded_file=SimpleUploadedFile("big.csv", template_csv(*rows)),
        file_format="template",
        source="Tests",
        published_on=None,
        mapping_profile=None,
        by=None,
    )
    assert upload.rows_total == 6000

    services.observation_import_check_queue(observation_import=upload)
    upload = wait_for(upload, "checked", "refused")
    assert upload.state == "checked", upload.problems
    assert upload.plan["new"] == 6000
    assert not Observation.objects.exists()

    upload = services.observation_import_confirm(observation_import=upload)
    assert upload.state == "queued"
    upload = wait_for(upload, "applied", "refused", "failed")

    assert upload.state == "applied", (upload.problems, real_celery_worker.log())
    assert upload.rows_done == upload.rows_total == 6000
    assert Observation.objects.filter(batch=upload.batch).count() == 6000
    assert "performance.observation_import_apply" in real_celery_worker.log()
