"""Upload limits: a file over a page's limit is stopped before its body is read, and the page
says so on its file field; nothing is written and nothing is left on disk."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import resolve, reverse

from bury_hc import uploads
from bury_hc.models import FileUpload, ImportBatch
from tests.factories.uploads import upload_jobs_run_here, upload_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def paths(settings, tmp_path, monkeypatch):
    """The three upload pages; their background reads run in the test process, so that the
    test sees their outcome with a broker too (the worker itself is tested elsewhere)."""
    settings.MEDIA_ROOT = tmp_path
    upload_jobs_run_here(monkeypatch)
    return upload_paths()


def test_a_file_over_the_limit_is_stopped_unread_with_a_message(
    client, paths, tmp_path, monkeypatch
):
    received = []
    original = uploads.UploadLimitHandler.receive_data_chunk

    def counting(self, raw_data, start):
        received.append(len(raw_data))
        return original(self, raw_data, start)

    monkeypatch.setattr(uploads.UploadLimitHandler, "receive_data_chunk", counting)
    for path in paths:
        view = resolve(path.url).func.view_class
        monkeypatch.setattr(view, "upload_max_bytes", 100 * 1024)  # not to send 200 MB
        big = SimpleUploadedFile("big.csv", b"Area,Value\n" + b"Bury,1\n" * 30_000)
        client.force_login(path.user)

        response = client.post(path.url, {**path.fields, "file": big})

        page = response.content.decode()
        assert response.status_code == 200, path.name
        assert "“big.csv” is too big: the file must be smaller than" in page, path.name
        assert "smaller than 100 KB" in page
        assert received == [], path.name  # not one chunk of the file was read
    assert not ImportBatch.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_each_page_has_its_own_limit(client, paths):
    limits = {path.name: uploads.upload_limit_for(_request_for(client, path.url)) for path in paths}

    assert limits == {
        "observation import": 200 * 1024 * 1024,
        "finance upload": 5 * 1024 * 1024,
        "milestone-plan upload": 5 * 1024 * 1024,
    }


def test_size_text():
    assert uploads.size_text(5 * 1024 * 1024) == "5 MB"
    assert uploads.size_text(512 * 1024) == "512 KB"


def test_a_file_whose_length_was_not_declared_is_stopped_at_the_limit(rf, settings):
    handler = uploads.UploadLimitHandler(rf.post("/"))
    handler.request.resolver_match = None
    settings.UPLOAD_MAX_BYTES = 1000
    handler.handle_raw_input(None, {}, 10, b"--", None)
    handler.new_file("file", "big.csv", "text/csv", 2000)

    handler.receive_data_chunk(b"x" * 1000, 0)
    with pytest.raises(uploads.StopUpload):
        handler.receive_data_chunk(b"x", 1000)
    assert "smaller than 1,000 bytes" in handler.request.upload_refused


def _request_for(client, url: str) -> HttpRequest:
    request = HttpRequest()
    request.resolver_match = resolve(url)
    return request


# --- big files are read by a worker, with a page that shows how it is going -----------------

FINANCE_HEADINGS = (
    "Quarter,Pool,Organisation,Service area,Budget,Actual to date,Forecast outturn,Explanation\n"
)


def _big(text: str) -> bytes:
    """A file over the size read in the request: empty cells after its last row pad it."""
    from bury_hc.uploads import BACKGROUND_BYTES

    return (text.rstrip("\n") + "," * (BACKGROUND_BYTES + 1) + "\n").encode()


def test_a_big_finance_file_is_read_by_a_worker_then_the_page_moves_on(
    client, paths, tmp_path, django_capture_on_commit_callbacks
):
    from finance.models import QuarterlyFinancialPosition

    finance = paths[1]
    client.force_login(finance.user)
    content = _big(
        FINANCE_HEADINGS + "2021/22 Q1,Pooled budget,Bury Council,Public health,1000000,(5),"
        "1000000,-£5 of refunds\n"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(finance.url, {"file": SimpleUploadedFile("q1.csv", content)})

    upload = FileUpload.objects.get()
    assert response["Location"] == reverse("upload_progress", args=[upload.pk])
    assert upload.state == FileUpload.State.DONE
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # the file went once read
    polled = client.get(response["Location"], {"format": "json"}).json()
    assert polled == {
        "state": "done",
        "state_label": "Loaded",
        "finished": True,
        "next": response["Location"],
    }
    page = client.get(response["Location"], follow=True)
    assert "q1.csv loaded for 2021/22 Q1: 1 lines added" in page.content.decode()
    position = QuarterlyFinancialPosition.objects.get()
    assert (position.actual_to_date, position.explanation) == (-5, "-£5 of refunds")


def test_a_big_plan_with_problems_shows_them_and_saves_nothing(
    client, paths, tmp_path, django_capture_on_commit_callbacks
):
    from programmes.models import Milestone
    from programmes.services import PLAN_COLUMNS

    plan = paths[2]
    client.force_login(plan.user)
    content = _big(",".join(PLAN_COLUMNS) + "\nCarers,,,,,,Nowhere\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            plan.url, {**plan.fields, "file": SimpleUploadedFile("plan.csv", content)}
        )
    page = client.get(response["Location"])

    text = page.content.decode()
    assert page.status_code == 200
    assert "“plan.csv” was not loaded: nothing from it has been saved" in text
    assert "“Nowhere” is not a neighbourhood team" in text
    assert f'href="{plan.url}">Upload a corrected file' in text
    assert not Milestone.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_only_the_uploader_sees_an_upload(client, paths, django_capture_on_commit_callbacks):
    finance = paths[1]
    client.force_login(finance.user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            finance.url, {"file": SimpleUploadedFile("q1.csv", _big(FINANCE_HEADINGS))}
        )
    url = response["Location"]
    assert "Reading the file" in client.get(url).content.decode()  # queued: nothing ran yet

    client.force_login(paths[0].user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url)["Location"].startswith(reverse("login"))


def test_a_worker_reads_an_upload_once(paths, tmp_path):
    from bury_hc.uploads import file_upload_run

    upload = FileUpload.objects.create(
        kind="finance", file_name="q1.csv", created_by=paths[1].user, state="done"
    )
    calls = []

    result = file_upload_run(upload_id=upload.pk, read=lambda *args: calls.append(args) or {})

    assert (result.state, calls) == ("done", [])


def test_an_unreadable_measure_file_is_refused_and_not_kept(client, paths, tmp_path):
    from performance.models import ObservationImport
    from tests.factories.files import PNG

    observations = paths[0]
    client.force_login(observations.user)

    response = client.post(
        observations.url,
        {**observations.fields, "file": SimpleUploadedFile("chart.csv", PNG)},
        follow=True,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "“chart.csv” is a PNG image, not a CSV file" in page
    upload = ObservationImport.objects.get()
    assert (upload.state, upload.file.name) == ("refused", "")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
