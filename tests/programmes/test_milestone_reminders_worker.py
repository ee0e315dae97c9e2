"""The reminder task on a real Celery worker, fed through Redis, against PostgreSQL."""

import datetime as dt

import pytest
from django.conf import settings

from programmes.models import ReminderSent
from programmes.tasks import reminders_send
from tests.factories.programmes import (
    MilestoneFactory,
    ProgrammeFactory,
    ReportingCycleFactory,
    lead_of,
)

RESULT_TIMEOUT = 60  # seconds


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Overrides the package's in-process fixture: these tests need the real worker."""


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reminders_run_on_a_real_worker_once_a_day(real_celery_worker):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    cycle = ReportingCycleFactory()
    programme = ProgrammeFactory()
    MilestoneFactory(programme=programme, due_quarter=cycle.quarter)
    lead = lead_of(programme, username="worker.lead")
    day = (cycle.deadline - dt.timedelta(days=7)).isoformat()

    first = reminders_send.apply_async((day,), queue=real_celery_worker.queue)
    assert first.get(timeout=RESULT_TIMEOUT) == 1
    second = reminders_send.apply_async((day,), queue=real_celery_worker.queue)
    assert second.get(timeout=RESULT_TIMEOUT) == 0

    sent = ReminderSent.objects.get()
    assert (sent.user, sent.kind, sent.sent_on.isoformat()) == (lead, "lead_due_soon", day)
    assert "Milestone updates due soon" in real_celery_worker.log()  # the console e-mail
