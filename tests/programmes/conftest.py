"""People and records for the milestone cycle tests: one programme with a milestone due in
2024/25 Q4, an open cycle, and someone in each role around it."""

from __future__ import annotations

import pytest

from bury_hc.periods import Quarter
from bury_hc.roles import Role
from programmes import services
from programmes.models import MilestoneUpdate
from tests.factories import UserFactory, user_with_role
from tests.factories.programmes import (
    MilestoneFactory,
    ProgrammeFactory,
    ReportingCycleFactory,
    approver_of,
    lead_of,
)

Q4 = Quarter(2024, 4)


@pytest.fixture(autouse=True)
def _tasks_in_process(settings):
    """Run the cycle's tasks in the test's process, as the embedded default does, so that the
    e-mails they send land in `mail.outbox`, with PostgreSQL and Redis configured too. The real
    worker is exercised by `test_milestone_reminders_worker.py`."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def cycle(db):
    return ReportingCycleFactory(quarter=Q4)


@pytest.fixture
def programme(db):
    return ProgrammeFactory(name="Adult Social Care Transformation", slug="asc", number=7)


@pytest.fixture
def other_programme(db):
    return ProgrammeFactory(name="Urgent Care", slug="urgent-care", number=1)


@pytest.fixture
def milestone(programme, cycle):
    return MilestoneFactory(
        programme=programme, title="Approve the Bury Adult Carers Strategy", due_quarter=Q4
    )


@pytest.fixture
def other_milestone(other_programme, cycle):
    return MilestoneFactory(programme=other_programme, title="Open the UTC", due_quarter=Q4)


@pytest.fixture
def lead(programme):
    return lead_of(programme, username="lead", first_name="Priya", last_name="Shah")


@pytest.fixture
def other_lead(other_programme):
    return lead_of(other_programme, username="other.lead", first_name="Ola", last_name="Reid")


@pytest.fixture
def approver(programme):
    """In the performance team and an approver of the programme, like the demo analyst."""
    return approver_of(programme, username="approver", first_name="Sam", last_name="Okafor")


@pytest.fixture
def sro(programme):
    """A senior responsible officer: approves the programme, is not in the performance team."""
    return approver_of(programme, role=Role.BOARD_MEMBER, username="sro", first_name="Jo")


@pytest.fixture
def analyst(db):
    """In the performance team, not an approver of the programme."""
    return user_with_role(Role.PERFORMANCE_ANALYST, username="analyst", first_name="Kim")


@pytest.fixture
def board(db):
    return user_with_role(Role.BOARD_MEMBER, username="board", first_name="Tom")


@pytest.fixture
def scrutiny(db):
    return user_with_role(Role.SCRUTINY_OFFICER, username="scrutiny", first_name="Grace")


@pytest.fixture
def finance_officer(db):
    return user_with_role(Role.FINANCE_OFFICER, username="finance", first_name="Fay")


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def draft(milestone, by, **values) -> MilestoneUpdate:
    """Save a valid green draft (progress 95%: the schedule agrees) for 2024/25 Q4."""
    return services.milestone_update_save(
        milestone=milestone,
        quarter=Q4,
        by=by,
        expected_version=None,
        **{"status": "green", "progress_percent": 95, **values},
    )


def submitted(milestone, by) -> MilestoneUpdate:
    update = draft(milestone, by)
    return services.milestone_update_submit(update=update, by=by, expected_version=update.version)


def approved(milestone, lead, approver) -> MilestoneUpdate:
    update = submitted(milestone, lead)
    return services.milestone_update_approve(
        update=update, by=approver, expected_version=update.version
    )
