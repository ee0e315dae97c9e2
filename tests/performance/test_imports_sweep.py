"""Uploads whose worker died: the sweep sends them again or marks them failed; "Try again"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bury_hc import jobs
from bury_hc.roles import Role
from performance.models import Observation, ObservationImport
from performance.services import observation_imports_sweep
from performance.services.imports import STOPPED_MESSAGE
from tests.factories import user_with_role
from tests.factories.performance import AreaFactory, MeasureFactory, template_csv

pytestmark = pytest.mark.django_db
States = ObservationImport.State
BURY = "E08000002"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def analyst(client):
    AreaFactory(ons_code=BURY, name="Bury")
    MeasureFactory(code="ASC-LTS-01", name="Residential placements")
    user = user_with_role(Role.PERFORMANCE_ANALYST)
    client.force_login(user)
    return user


@pytest.fixture
def checked_upload(client, analyst) -> ObservationImport:
    content = template_csv(("ASC-LTS-01", BURY, "Mar-25", "648", ""))
    client.post(
        reverse("performance:import_upload"),
        {
            "file_format": "template",
            "source": "Bury Council",
            "file": SimpleUploadedFile("values.csv", content, content_type="text/csv"),
        },
    )
    upload = ObservationImport.objects.get()
    assert upload.state == States.CHECKED
    return upload


def stuck(upload: ObservationImport, state: str, age: dt.timedelta, **plan) -> None:
    """As if its worker died `age` ago in `state` (the import's transaction rolled back)."""
    ObservationImport.objects.filter(pk=upload.pk).update(
        state=state,
        plan={**upload.plan, "stage": "importing", **plan},
        updated_at=timezone.now() - age,
    )


@pytest.fixture
def embedded_default(settings):
    """Tasks run in the request, and no worker or beat exists."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def worker_mode(settings):
    """Tasks go to a worker through the broker (the in-memory one: nothing runs here)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


def test_sweep_sends_an_upload_that_died_importing_to_a_worker_again(
    checked_upload, worker_mode, django_capture_on_commit_callbacks
):
    stuck(checked_upload, States.IMPORTING, jobs.JOB_RUN_DEADLINE + dt.timedelta(minutes=1))

    with django_capture_on_commit_callbacks() as sent:
        outcome = observation_imports_sweep()

    assert outcome.requeued == [checked_upload.pk]
    upload = ObservationImport.objects.get()
    assert upload.state == States.QUEUED
    assert upload.plan["sends"] == 2
    assert [callback.args for callback in sent] == [
        ("performance.observation_import_apply", upload.pk)
    ]


def test_sweep_sends_a_check_that_waited_too_long_to_the_check_task(
    checked_upload, worker_mode, django_capture_on_commit_callbacks
):
    stuck(checked_upload, States.QUEUED, jobs.JOB_WAIT_DEADLINE * 2, stage="checking")

    with django_capture_on_commit_callbacks() as sent:
        observation_imports_sweep()

    assert [callback.args[0] for callback in sent] == ["performance.observation_import_check"]


@pytest.mark.parametrize(
    ("state", "age"),
    [
        (States.IMPORTING, jobs.JOB_RUN_DEADLINE - dt.timedelta(minutes=1)),  # may be running
        (States.QUEUED, jobs.JOB_WAIT_DEADLINE - dt.timedelta(minutes=1)),
        (States.APPLIED, dt.timedelta(days=1)),
        (States.FAILED, dt.timedelta(days=1)),
    ],
)
def test_sweep_leaves_uploads_within_their_deadline_or_finished(
    checked_upload, worker_mode, state, age
):
    stuck(checked_upload, state, age)

    outcome = observation_imports_sweep()

    assert outcome.requeued == outcome.failed == []
    assert ObservationImport.objects.get().state == state


def test_sweep_marks_an_upload_failed_after_the_last_send(checked_upload, worker_mode):
    age = jobs.JOB_RUN_DEADLINE + dt.timedelta(minutes=1)
    stuck(checked_upload, States.IMPORTING, age, sends=jobs.JOB_MAX_SENDS)

    outcome = observation_imports_sweep()

    assert outcome.failed == [checked_upload.pk]
    upload = ObservationImport.objects.get()
    assert upload.state == States.FAILED
    assert upload.problems[0]["message"] == STOPPED_MESSAGE


def test_without_a_worker_a_dead_import_is_marked_failed_and_can_be_tried_again(
    client, checked_upload, embedded_default
):
    """The embedded default: tasks ran in a request that was killed; there is no worker to send
    it to, so the analyst is told, and "Try again" checks and imports it."""
    stuck(checked_upload, States.IMPORTING, jobs.JOB_RUN_DEADLINE + dt.timedelta(minutes=1))
    observation_imports_sweep()

    page = client.get(reverse("performance:import_check", args=[checked_upload.pk]))
    assert "The import did not finish" in page.content.decode()
    assert "Try again" in page.content.decode()

    response = client.post(
        reverse("performance:import_retry", args=[checked_upload.pk]), follow=True
    )
    assert "Check what the import will change" in response.content.decode()
    assert ObservationImport.objects.get().state == States.CHECKED

    client.post(reverse("performance:import_confirm", args=[checked_upload.pk]))
    assert ObservationImport.objects.get().state == States.APPLIED
    assert Observation.objects.count() == 1


def test_try_again_leaves_an_upload_that_did_not_fail_alone(client, checked_upload):
    response = client.post(reverse("performance:import_retry", args=[checked_upload.pk]))

    assert response.url == reverse("performance:import_check", args=[checked_upload.pk])
    assert ObservationImport.objects.get().state == States.CHECKED


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.BOARD_MEMBER, 403), (Role.FINANCE_OFFICER, 403), (Role.ADMINISTRATOR, 302)],
)
def test_try_again_is_for_analysts_and_administrators(client, checked_upload, role, status):
    stuck(checked_upload, States.FAILED, dt.timedelta(0))
    client.force_login(user_with_role(role))

    response = client.post(reverse("performance:import_retry", args=[checked_upload.pk]))

    assert response.status_code == status


def test_progress_page_of_an_import_whose_request_died_offers_try_again(
    client, checked_upload, embedded_default
):
    """The embedded default has no beat: the progress page itself finds the dead import."""
    stuck(checked_upload, States.IMPORTING, jobs.JOB_RUN_DEADLINE + dt.timedelta(minutes=1))

    response = client.get(reverse("performance:import_progress", args=[checked_upload.pk]))

    assert response.url == reverse("performance:import_check", args=[checked_upload.pk])
    assert ObservationImport.objects.get().state == States.FAILED
    page = client.get(response.url).content.decode()
    assert "Try again" in page


def test_progress_page_leaves_an_import_within_its_deadline(client, checked_upload):
    stuck(checked_upload, States.IMPORTING, dt.timedelta(minutes=1))

    response = client.get(reverse("performance:import_progress", args=[checked_upload.pk]))

    assert response.status_code == 200
    assert ObservationImport.objects.get().state == States.IMPORTING
