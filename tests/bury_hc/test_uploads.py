"""Upload limits: a file over a page's limit is stopped before its body is read, and the page
says so on its file field; nothing is written and nothing is left on disk."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import resolve

from bury_hc import uploads
from bury_hc.models import ImportBatch
from tests.factories.uploads import upload_paths

pytestmark = pytest.mark.django_db


@pytest.fixture
def paths(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
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
