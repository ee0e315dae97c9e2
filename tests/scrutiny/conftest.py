"""Fixtures for committee packs: small hand-made packs, and the Bury demo's real pack."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from bury_hc.periods import Quarter
from bury_hc.roles import Role
from scrutiny.models import AgendaItem, Committee, CommitteePack, Meeting
from tests.factories import user_with_role
from tests.support.jobs import jobs_run_here

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
Q4 = Quarter(2024, 4)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def exports_run_here(monkeypatch):
    """Export requests run their task in the test process, as the embedded default does, even
    when Celery has a broker (the worker tests send their tasks with apply_async)."""
    jobs_run_here(monkeypatch, "scrutiny.tasks.pack_export_render")


@pytest.fixture
def officer(db):
    return user_with_role(Role.SCRUTINY_OFFICER, username="officer")


@pytest.fixture
def meeting(db) -> Meeting:
    committee = Committee.objects.create(name="Health Scrutiny Committee", slug="hsc")
    meeting = Meeting.objects.create(
        committee=committee,
        starts_at=dt.datetime(2025, 6, 19, 18, 0, tzinfo=dt.UTC),
        place="Council Chamber",
    )
    AgendaItem.objects.create(meeting=meeting, number=8, title="ASC performance")
    return meeting


@pytest.fixture
def draft_pack(meeting, officer) -> CommitteePack:
    return CommitteePack.objects.create(
        meeting=meeting,
        quarter=Q4,
        title="Draft pack",
        sections=["cover", "performance"],
        cover={"summary": "A draft summary.", "recommendations": "To note the report."},
        created_by=officer,
    )


@pytest.fixture
def published_pack(meeting, officer) -> CommitteePack:
    from scrutiny import services

    pack = CommitteePack.objects.create(
        meeting=meeting,
        quarter=Q4,
        title="Published pack",
        sections=["cover"],
        cover={"summary": "Published summary."},
        created_by=officer,
    )
    return services.pack_publish(pack=pack, by=officer)


@pytest.fixture
def demo(shared_demo):
    """The Bury demo data; returns the draft pack the demo loads for 19 June 2025."""
    return CommitteePack.objects.get(
        title="Adult Social Care Performance Quarter Four Report 2024/25"
    )


@pytest.fixture
def demo_officer(demo):
    from django.contrib.auth.models import User

    return User.objects.get(username="scrutiny.officer")
