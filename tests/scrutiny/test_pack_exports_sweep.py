"""Pack exports whose worker died: the sweep sends them again or marks them failed; "Try again"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bury_hc import jobs
from bury_hc.roles import Role
from scrutiny.models import PackExport
from scrutiny.services import EXPORT_STOPPED, pack_export_request, pack_exports_sweep
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db
State = PackExport.State


@pytest.fixture
def worker_mode(settings):
    """Tasks go to a worker through the broker (the in-memory one: nothing runs here)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def export(draft_pack, officer, worker_mode, django_capture_on_commit_callbacks) -> PackExport:
    with django_capture_on_commit_callbacks(execute=False):
        return pack_export_request(pack=draft_pack, export_format="xlsx", by=officer)


def waited(export: PackExport, age: dt.timedelta, **fields) -> None:
    PackExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - age, **fields)


def test_an_export_lost_by_its_worker_is_sent_again(export, django_capture_on_commit_callbacks):
    waited(export, jobs.JOB_WAIT_DEADLINE + dt.timedelta(minutes=1))

    with django_capture_on_commit_callbacks() as sent:
        outcome = pack_exports_sweep()

    assert outcome.requeued == [export.pk]
    export.refresh_from_db()
    assert (export.state, export.sends) == (State.QUEUED, 2)
    assert [callback.args for callback in sent] == [
        ("scrutiny.tasks.pack_export_render", export.pk)
    ]

    # Sent again just now: the next sweep leaves it until the deadline passes again.
    assert pack_exports_sweep().requeued == []


@pytest.mark.parametrize(
    ("state", "age"),
    [
        (State.QUEUED, jobs.JOB_WAIT_DEADLINE - dt.timedelta(minutes=1)),
        (State.DONE, dt.timedelta(days=1)),
        (State.FAILED, dt.timedelta(days=1)),
    ],
)
def test_sweep_leaves_exports_within_their_deadline_or_finished(export, state, age):
    fields = {"state": state}
    if state == State.DONE:
        fields |= {"sha256": "0" * 64, "finished_at": timezone.now()}
    waited(export, age, **fields)

    assert pack_exports_sweep().requeued == []
    assert PackExport.objects.get(pk=export.pk).state == state


def test_sweep_marks_an_export_failed_after_the_last_send(export):
    waited(export, dt.timedelta(hours=2), sends=jobs.JOB_MAX_SENDS, state=State.RUNNING)

    assert pack_exports_sweep().failed == [export.pk]
    export.refresh_from_db()
    assert export.state == State.FAILED
    assert export.error == EXPORT_STOPPED


def test_a_failed_export_can_be_tried_again_from_the_pack_page(
    client, export, officer, django_capture_on_commit_callbacks
):
    PackExport.objects.filter(pk=export.pk).update(state=State.FAILED, error=EXPORT_STOPPED)
    client.force_login(officer)
    page = client.get(reverse("scrutiny:pack", args=[export.pack_id])).content.decode()
    assert "Try again" in page

    with django_capture_on_commit_callbacks() as sent:
        response = client.post(reverse("scrutiny:export_retry", args=[export.pk]))

    assert response.status_code == 302
    export.refresh_from_db()
    assert (export.state, export.error, export.sends) == (State.QUEUED, "", 1)
    assert len(sent) == 1
    page = client.get(reverse("scrutiny:pack", args=[export.pack_id])).content.decode()
    assert "Waiting for the worker" in page


def test_try_again_leaves_an_export_that_did_not_fail(client, export, officer):
    client.force_login(officer)

    client.post(reverse("scrutiny:export_retry", args=[export.pk]))

    assert PackExport.objects.get(pk=export.pk).sends == 1


@pytest.mark.parametrize("role", [Role.BOARD_MEMBER, Role.PERFORMANCE_ANALYST])
def test_try_again_is_for_those_who_manage_packs(client, export, role):
    PackExport.objects.filter(pk=export.pk).update(state=State.FAILED)
    client.force_login(user_with_role(role))

    response = client.post(reverse("scrutiny:export_retry", args=[export.pk]))

    assert response.status_code in (403, 404)
    assert PackExport.objects.get(pk=export.pk).state == State.FAILED


def test_without_a_worker_a_stuck_export_is_marked_failed(export, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded default: nothing to send it to
    waited(export, jobs.JOB_WAIT_DEADLINE + dt.timedelta(minutes=1))

    assert pack_exports_sweep().failed == [export.pk]


def test_pack_page_shows_an_export_whose_request_died_as_failed(client, export, officer, settings):
    """The embedded default has no beat: the pack page itself finds the dead export."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    waited(export, jobs.JOB_WAIT_DEADLINE + dt.timedelta(minutes=1))
    client.force_login(officer)

    page = client.get(reverse("scrutiny:pack", args=[export.pack_id])).content.decode()

    assert PackExport.objects.get(pk=export.pk).state == State.FAILED
    assert "Try again" in page
