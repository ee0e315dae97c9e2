"""Exports through a real Celery worker: duplicate delivery and a worker killed mid-task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction

from scrutiny.models import PackExport
from scrutiny.tasks import pack_export_render


def wait_for(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError("timed out")


def second_worker(queue: str) -> subprocess.Popen:
    """Another worker on the same queue, with the environment the first was given."""
    from django.conf import settings

    from tests.conftest import ROOT, _database_url_for_worker

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bury_hc.settings",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": _database_url_for_worker(),
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "bury_hc",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=WARNING",
        "-Q",
        queue,
        "-n",
        f"second-{queue}@localhost",
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.fixture
def media_root(settings):
    """The worker is another process: it writes to the real MEDIA_ROOT, so tests read it too."""


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_delivered_twice_makes_one_artefact(real_celery_worker, published_pack, officer):
    export = PackExport.objects.create(
        pack=published_pack, format="docx", pack_state="published", requested_by=officer
    )
    queue = real_celery_worker.queue
    first = pack_export_render.apply_async((export.pk,), queue=queue)
    second = pack_export_render.apply_async((export.pk,), queue=queue)

    first.get(timeout=120)
    second.get(timeout=120)

    export.refresh_from_db()
    assert export.state == PackExport.State.DONE
    assert export.attempts == 1  # the second delivery found it done and left it alone
    assert PackExport.objects.filter(pack=published_pack).count() == 1
    assert export.file.name.startswith(f"packs/{export.pk}/")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_survives_a_worker_killed_before_it_acks(
    real_celery_worker, published_pack, officer
):
    export = PackExport.objects.create(
        pack=published_pack, format="pdf", pack_state="published", requested_by=officer
    )
    # Hold the row lock so the worker blocks inside the task, after receiving but before acking.
    with transaction.atomic():
        PackExport.objects.select_for_update().get(pk=export.pk)
        pack_export_render.apply_async((export.pk,), queue=real_celery_worker.queue)
        wait_for(lambda: "Task scrutiny.tasks.pack_export_render" in real_celery_worker.log())
        os.kill(real_celery_worker.process.pid, signal.SIGKILL)
        real_celery_worker.process.wait(timeout=30)

    # The killed attempt wrote nothing: its transaction died with it.
    assert PackExport.objects.get(pk=export.pk).state == PackExport.State.QUEUED
    # acks_late: the unacknowledged message is redelivered (Redis does so after its visibility
    # timeout, an hour); here a second worker starts and the message is delivered again now.
    replacement = second_worker(real_celery_worker.queue)
    try:
        pack_export_render.apply_async((export.pk,), queue=real_celery_worker.queue).get(
            timeout=180
        )
    finally:
        replacement.terminate()
        replacement.wait(timeout=30)
    export.refresh_from_db()
    assert export.state == PackExport.State.DONE
    assert (len(export.sha256), export.attempts) == (64, 1)
