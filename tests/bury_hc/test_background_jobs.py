"""The embedded default's background threads (bury_hc.background): with no worker, a long job
runs in a thread of the web process, the request goes on at once to a page that polls, and the
page moves on when the job has finished. A job still held by a live process is never marked
failed by the sweep; one whose process died is, with "Try again".

These run on whichever database the suite has (SQLite in the embedded default), with Celery
eager as there."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bury_hc import jobs
from bury_hc.background import STALE_AFTER, background_jobs
from bury_hc.models import FileUpload
from bury_hc.roles import Role
from performance import tasks as performance_tasks
from performance.importing import BACKGROUND_ROWS
from performance.models import Observation, ObservationImport
from performance.services.imports import STOPPED_MESSAGE
from tests.factories import user_with_role
from tests.factories.performance import AreaFactory, big_template_rows, template_csv

pytestmark = pytest.mark.django_db(transaction=True)
States = ObservationImport.State
APPLY = "performance.observation_import_apply"


@pytest.fixture
def in_threads(settings, tmp_path) -> Iterator[None]:
    """The embedded default as it runs: Celery eager, jobs in one background thread."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.JOBS_BACKGROUND_THREADS = 1
    settings.JOBS_STATE_DIR = tmp_path / "jobs"
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    assert background_jobs.idle_wait(120), "a background job was still running"


@contextmanager
def thread_busy() -> Iterator[None]:
    """The background thread (there is one) is busy with something else until the block ends:
    a job sent meanwhile cannot have run, so a request that returns did not wait for it."""
    gate = threading.Event()
    background_jobs.executor().submit(gate.wait, 60)
    try:
        yield
    finally:
        gate.set()


def idle() -> None:
    assert background_jobs.idle_wait(120), "the background job did not finish in 120 s"


@pytest.fixture
def analyst(client):
    AreaFactory(ons_code="E08000002", name="Bury")
    user = user_with_role(Role.PERFORMANCE_ANALYST)
    client.force_login(user)
    return user


def big_file() -> bytes:
    rows = big_template_rows(measure_prefix="BG-", area_prefix="E080001")
    assert len(rows) == 6000 > BACKGROUND_ROWS
    return template_csv(*rows)


def poll(client, upload: ObservationImport) -> dict:
    url = reverse("performance:import_progress", args=[upload.pk])
    return client.get(url, {"format": "json"}).json()


def test_a_big_import_returns_at_once_to_a_page_that_polls_and_moves_on(
    client, analyst, in_threads, monkeypatch
):
    rebuilt_in: list[str] = []
    rebuild = performance_tasks.rebuild

    def rebuild_noting_the_thread(**kwargs):
        rebuilt_in.append(threading.current_thread().name)
        return rebuild(**kwargs)

    monkeypatch.setattr(performance_tasks, "rebuild", rebuild_noting_the_thread)
    content = big_file()
    progress_url = None

    with thread_busy():
        response = client.post(
            reverse("performance:import_upload"),
            {
                "file_format": "template",
                "source": "Bury Council",
                "file": SimpleUploadedFile("big.csv", content, content_type="text/csv"),
            },
        )
        upload = ObservationImport.objects.get()
        progress_url = reverse("performance:import_progress", args=[upload.pk])
        assert response.url == progress_url
        assert upload.state == States.QUEUED  # the request did not check it
        page = client.get(progress_url).content.decode()
        assert "Checking the file" in page
        assert f"{progress_url}?format=json" in page  # the page polls
        assert poll(client, upload) | {"rows_total": 0} == {
            "state": "queued",
            "state_label": upload.get_state_display(),
            "rows_done": 0,
            "rows_total": 0,
            "finished": False,
            "next": "",
        }

    idle()
    check_url = reverse("performance:import_check", args=[upload.pk])
    polled = poll(client, upload)
    assert (polled["state"], polled["finished"], polled["next"]) == ("checked", True, check_url)
    assert "Import 6000 values" in client.get(check_url).content.decode()

    with thread_busy():
        response = client.post(reverse("performance:import_confirm", args=[upload.pk]))
        assert response.url == progress_url
        assert ObservationImport.objects.get().state == States.QUEUED
        assert not Observation.objects.exists()
        assert "Importing the file" in client.get(progress_url).content.decode()

    idle()
    result_url = reverse("performance:import_result", args=[upload.pk])
    polled = poll(client, upload)
    assert (polled["state"], polled["finished"], polled["next"]) == ("applied", True, result_url)
    assert "File imported" in client.get(result_url).content.decode()
    assert Observation.objects.count() == 6000
    # The dashboard rebuild the import asked for ran in the background thread too.
    assert rebuilt_in
    assert all(name.startswith("bury-hc-job") for name in rebuilt_in)


def test_a_big_finance_file_is_read_in_the_background(client, in_threads):
    from tests.bury_hc.test_uploads import FINANCE_HEADINGS, _big
    from tests.factories.uploads import upload_paths

    finance = upload_paths()[1]
    client.force_login(finance.user)
    content = _big(
        FINANCE_HEADINGS + "2021/22 Q1,Pooled budget,Bury Council,Public health,1000000,5,"
        "1000000,On plan\n"
    )

    with thread_busy():
        response = client.post(finance.url, {"file": SimpleUploadedFile("q1.csv", content)})
        upload = FileUpload.objects.get()
        assert response["Location"] == reverse("upload_progress", args=[upload.pk])
        assert upload.state == FileUpload.State.QUEUED
        assert "Reading the file" in client.get(response["Location"]).content.decode()

    idle()
    polled = client.get(response["Location"], {"format": "json"}).json()
    assert (polled["state"], polled["finished"]) == ("done", True)


# --- The sweep and jobs in threads -------------------------------------------------------------


@pytest.fixture
def importing(analyst) -> ObservationImport:
    """An import "importing" since an hour ago, far past every deadline."""
    upload = ObservationImport.objects.create(
        file_name="values.csv",
        file_format="template",
        source="Bury Council",
        state=States.IMPORTING,
        plan={"stage": "importing"},
        rows_total=6000,
        created_by=analyst,
    )
    ObservationImport.objects.filter(pk=upload.pk).update(
        updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    return upload


def another_process_holds(settings, upload: ObservationImport, *, age: float) -> None:
    """A state file as another web process writes it, last rewritten `age` seconds ago."""
    directory = settings.JOBS_STATE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "elsewhere-99999.json"
    path.write_text(json.dumps({"pid": 99999, "jobs": [[APPLY, str(upload.pk)]]}))
    then = time.time() - age
    os.utime(path, (then, then))


def test_a_job_still_in_this_process_thread_is_not_marked_failed(client, importing, in_threads):
    with thread_busy():
        background_jobs.submit(APPLY, (importing.pk,))  # queued behind the busy thread

        response = client.get(reverse("performance:import_progress", args=[importing.pk]))

        assert response.status_code == 200
        assert ObservationImport.objects.get().state == States.IMPORTING
    idle()


def test_a_job_another_live_process_holds_is_not_marked_failed(
    client, importing, in_threads, settings
):
    another_process_holds(settings, importing, age=1)

    response = client.get(reverse("performance:import_progress", args=[importing.pk]))

    assert response.status_code == 200
    assert ObservationImport.objects.get().state == States.IMPORTING


def test_a_job_whose_process_died_is_marked_failed_with_try_again(
    client, importing, in_threads, settings
):
    another_process_holds(settings, importing, age=STALE_AFTER + 5)  # it stopped writing

    response = client.get(reverse("performance:import_progress", args=[importing.pk]))

    assert response.url == reverse("performance:import_check", args=[importing.pk])
    upload = ObservationImport.objects.get()
    assert (upload.state, upload.problems[0]["message"]) == (States.FAILED, STOPPED_MESSAGE)
    assert "Try again" in client.get(response.url).content.decode()
    assert not list(settings.JOBS_STATE_DIR.glob("*.json"))  # the dead process's file went


def test_a_job_held_by_no_process_waits_out_the_short_deadline_only(client, importing, in_threads):
    """After a restart nothing holds the job: it is failed two minutes after it last moved,
    not after Celery's 35 (nothing would run it again)."""
    ObservationImport.objects.filter(pk=importing.pk).update(
        updated_at=timezone.now() - jobs.JOB_ORPHAN_DEADLINE + dt.timedelta(seconds=30)
    )
    url = reverse("performance:import_progress", args=[importing.pk])
    assert client.get(url).status_code == 200
    assert ObservationImport.objects.get().state == States.IMPORTING

    ObservationImport.objects.filter(pk=importing.pk).update(
        updated_at=timezone.now() - jobs.JOB_ORPHAN_DEADLINE - dt.timedelta(seconds=1)
    )
    assert client.get(url).url == reverse("performance:import_check", args=[importing.pk])
    assert ObservationImport.objects.get().state == States.FAILED


def test_an_upload_queued_in_a_process_that_died_asks_for_the_file_again(
    client, analyst, in_threads
):
    upload = FileUpload.objects.create(
        kind="finance",
        file_name="q1.csv",
        parameters={"task": "finance.positions_upload_read", "back": "/finance/"},
        created_by=analyst,
    )
    FileUpload.objects.filter(pk=upload.pk).update(
        updated_at=timezone.now() - jobs.JOB_ORPHAN_DEADLINE - dt.timedelta(seconds=1)
    )

    page = client.get(reverse("upload_progress", args=[upload.pk])).content.decode()

    assert FileUpload.objects.get().state == FileUpload.State.FAILED
    assert "the background worker stopped while reading it" in page
    assert 'href="/finance/">Upload a corrected file' in page


def test_with_no_threads_a_job_runs_in_the_request(settings):
    """JOBS_BACKGROUND_THREADS = 0 (the test suite's default) keeps the old way: the job has
    run when job_send returns."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.JOBS_BACKGROUND_THREADS = 0
    session = SessionStore()
    session.create()
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(days=1))

    assert jobs.job_send("bury_hc.tasks.sessions_clear_expired") is True

    assert not Session.objects.exists()
