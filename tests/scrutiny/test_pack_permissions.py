"""Who may do what with packs: every role against every page and action, GET and POST."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from bury_hc.roles import Role
from scrutiny.models import CommitteePack, PackExport
from tests.factories import user_with_role
from tests.support.jobs import jobs_dropped

MANAGERS = {Role.SCRUTINY_OFFICER, Role.ADMINISTRATOR}
READERS = [role for role in Role if role not in MANAGERS]


def done_export(pack: CommitteePack, by) -> PackExport:
    export = PackExport(pack=pack, format="xlsx", pack_state=pack.state, requested_by=by)
    export.file.save("pack.xlsx", ContentFile(b"PK fake"), save=False)
    export.sha256, export.state, export.finished_at = "0" * 64, "done", timezone.now()
    export.save()
    return export


def close_file_response(response) -> None:
    """Close a file download's file without the request_finished signal, which would close the
    test's database connection in the middle of its transaction (on PostgreSQL)."""
    if not hasattr(response, "streaming_content"):
        return
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.fixture
def objects(draft_pack, published_pack, officer):
    return {
        "draft": draft_pack,
        "published": published_pack,
        "draft_export": done_export(draft_pack, officer),
        "published_export": done_export(published_pack, officer),
    }


def pages(objects) -> list[tuple[str, str, dict, set[int], set[int]]]:
    """(method, url, data, status for managers, status for readers)."""
    draft, published = objects["draft"], objects["published"]
    meeting = draft.meeting
    return [
        ("get", reverse("scrutiny:committees"), {}, {200}, {200}),
        ("get", reverse("scrutiny:packs"), {}, {200}, {200}),
        ("get", reverse("scrutiny:pack", args=[published.pk]), {}, {200}, {200}),
        ("get", reverse("scrutiny:pack_preview", args=[published.pk]), {}, {200}, {200}),
        ("get", reverse("scrutiny:pack", args=[draft.pk]), {}, {200}, {404}),
        ("get", reverse("scrutiny:pack_preview", args=[draft.pk]), {}, {200}, {404}),
        ("get", reverse("scrutiny:pack_edit", args=[draft.pk]), {}, {200}, {403}),
        ("get", reverse("scrutiny:pack_new", args=[meeting.pk]), {}, {200}, {403}),
        (
            "post",
            reverse("scrutiny:pack_new", args=[meeting.pk]),
            {"title": "New", "quarter": "2024/25 Q4", "sections": ["cover"]},
            {302},
            {403},
        ),
        (
            "post",
            reverse("scrutiny:pack_edit", args=[draft.pk]),
            {"title": "Edited", "sections": ["cover"], "version": draft.version},
            {302},
            {403},
        ),
        (
            "post",
            reverse("scrutiny:pack_export", args=[draft.pk]),
            {"format": "xlsx"},
            {302},
            {403},
        ),
        (
            "post",
            reverse("scrutiny:pack_export", args=[published.pk]),
            {"format": "xlsx"},
            {302},
            {403},
        ),
        (
            "get",
            reverse("scrutiny:export_download", args=[objects["published_export"].pk]),
            {},
            {200},
            {200},
        ),
        (
            "get",
            reverse("scrutiny:export_download", args=[objects["draft_export"].pk]),
            {},
            {200},
            {404},
        ),
        ("get", reverse("scrutiny:pack_publish", args=[draft.pk]), {}, {200}, {403}),
        ("get", reverse("scrutiny:pack_publish", args=[published.pk]), {}, {302}, {403}),
        ("post", reverse("scrutiny:pack_publish", args=[draft.pk]), {}, {302}, {403}),
    ]


@pytest.fixture(autouse=True)
def no_export_tasks(monkeypatch):
    # The export task itself is tested elsewhere; here only who may ask for one.
    jobs_dropped(monkeypatch, "scrutiny.tasks.pack_export_render")


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.name.lower())
def test_pack_pages_and_actions_by_role(client, objects, role):
    client.force_login(user_with_role(role, username=f"user-{role.name.lower()}"))
    for method, url, data, managers, readers in pages(objects):
        response = getattr(client, method)(url, data)
        expected = managers if role in MANAGERS else readers
        assert response.status_code in expected, (role, method, url, response.status_code)
        close_file_response(response)


def test_pack_pages_need_a_role(client, objects):
    client.force_login(user_with_role(None, username="nobody"))
    for method, url, data, _, _ in pages(objects):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, url


def test_pack_pages_need_sign_in(client, objects):
    for method, url, data, _, _ in pages(objects):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert "/sign-in/" in response["Location"], url


def test_readers_do_not_see_drafts_listed(client, objects):
    client.force_login(user_with_role(Role.BOARD_MEMBER, username="board"))
    body = client.get(reverse("scrutiny:packs")).content.decode()
    assert "Published pack" in body
    assert "Draft pack" not in body


def test_publish_asks_for_confirmation_first(client, objects, officer):
    client.force_login(officer)
    draft = objects["draft"]
    detail = client.get(reverse("scrutiny:pack", args=[draft.pk])).content.decode()
    assert f'href="{reverse("scrutiny:pack_publish", args=[draft.pk])}"' in detail

    page = client.get(reverse("scrutiny:pack_publish", args=[draft.pk])).content.decode()

    assert 'class="govuk-warning-text"' in page
    assert "Publishing cannot be undone." in page
    assert "Publish and freeze the pack</button>" in page
    assert f'href="{reverse("scrutiny:pack", args=[draft.pk])}">Cancel' in page
    assert CommitteePack.objects.get(pk=draft.pk).state == "draft"  # asking changes nothing


def test_publish_by_officer_freezes_the_pack(client, objects, officer):
    client.force_login(officer)
    client.post(reverse("scrutiny:pack_publish", args=[objects["draft"].pk]))
    pack = CommitteePack.objects.get(pk=objects["draft"].pk)
    assert pack.state == "published"
    assert pack.snapshot["cover"][0]["paragraphs"] == ["A draft summary."]
    response = client.get(reverse("scrutiny:pack_edit", args=[pack.pk]))
    assert response.status_code == 302  # a published pack is no longer editable


def test_preview_allows_its_own_stylesheet_by_nonce(client, objects, officer):
    client.force_login(officer)
    response = client.get(reverse("scrutiny:pack_preview", args=[objects["draft"].pk]))
    policy = response["Content-Security-Policy"]
    nonce = policy.split("style-src 'self' 'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in response.content.decode()
