"""The daily reminder job: digests for leads 7 and 2 days before the deadline and when
overdue, none for anyone who has submitted, one a day at most, and the approvers' digest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail

from programmes import services, tasks
from programmes.models import ReminderSent
from tests.factories.programmes import MilestoneFactory, MilestoneUpdateFactory, lead_of
from tests.programmes.conftest import Q4, draft, submitted

DEADLINE = dt.date(2025, 5, 16)  # the cycle fixture's


@pytest.fixture
def setting(programme, other_programme, cycle, lead, other_lead, approver):
    """Programme 7: two milestones, one drafted; its lead and a co-lead. Programme 1: its one
    milestone submitted by its lead. The analyst approves both, as in the demo."""
    first = MilestoneFactory(programme=programme, title="Carers strategy", due_quarter=Q4)
    MilestoneFactory(programme=programme, title="Prevention strategy", due_quarter=Q4)
    draft(first, lead)
    co_lead = lead_of(programme, username="co.lead", first_name="Chris")
    other_programme.approvers.add(approver)
    submitted(MilestoneFactory(programme=other_programme, title="UTC", due_quarter=Q4), other_lead)
    return {"co_lead": co_lead}


def run(day: dt.date, django_capture_on_commit_callbacks) -> list[services.ReminderSend]:
    with django_capture_on_commit_callbacks(execute=True):
        return services.reminders_send(today=day)


def lead_mail() -> dict[str, str]:
    return {m.to[0]: m for m in mail.outbox if "awaiting your approval" not in m.subject}


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (DEADLINE - dt.timedelta(days=7), "lead_due_soon"),
        (DEADLINE - dt.timedelta(days=2), "lead_due_soon"),
        (DEADLINE + dt.timedelta(days=1), "lead_overdue"),
        (DEADLINE + dt.timedelta(days=8), "lead_overdue"),
        (DEADLINE - dt.timedelta(days=8), None),
        (DEADLINE - dt.timedelta(days=5), None),
        (DEADLINE, None),
        (DEADLINE + dt.timedelta(days=2), None),
    ],
)
def test_leads_with_updates_outstanding_are_reminded_on_the_set_days(
    setting, day, kind, django_capture_on_commit_callbacks
):
    run(day, django_capture_on_commit_callbacks)

    sent = lead_mail()
    if kind is None:
        assert sent == {}
        assert not ReminderSent.objects.exclude(kind="approver_digest").exists()
        return
    assert set(sent) == {"lead@example.org", "co.lead@example.org"}  # not other.lead: submitted
    body = sent["lead@example.org"].body
    assert "2 updates still to submit" in body
    assert "Carers strategy (draft)" in body
    assert "Prevention strategy (not started)" in body
    assert "16 May 2025" in body
    subject = sent["lead@example.org"].subject
    if kind == "lead_overdue":
        assert subject == "Milestone updates overdue: 2024/25 Q4"
        assert "overdue" in body
    else:
        assert subject == "Milestone updates due soon: 2024/25 Q4"
    assert set(ReminderSent.objects.filter(kind=kind).values_list("user__username", flat=True)) == {
        "lead",
        "co.lead",
    }


def test_nobody_who_has_submitted_everything_is_reminded(
    setting, lead, programme, django_capture_on_commit_callbacks
):
    for milestone in programme.milestones.all():
        update = milestone.updates.first() or draft(milestone, lead)
        services.milestone_update_submit(update=update, by=lead, expected_version=update.version)

    run(DEADLINE - dt.timedelta(days=2), django_capture_on_commit_callbacks)

    assert lead_mail() == {}


def test_a_returned_update_counts_as_not_submitted(
    programme, cycle, lead, approver, django_capture_on_commit_callbacks
):
    MilestoneUpdateFactory(
        milestone=MilestoneFactory(programme=programme, due_quarter=Q4), state="returned"
    )

    run(DEADLINE - dt.timedelta(days=7), django_capture_on_commit_callbacks)

    assert "(returned)" in lead_mail()["lead@example.org"].body


def test_second_run_on_the_same_day_sends_nothing_more(
    setting, approver, lead, django_capture_on_commit_callbacks
):
    day = DEADLINE - dt.timedelta(days=7)
    first = run(day, django_capture_on_commit_callbacks)
    recorded = list(ReminderSent.objects.values_list("user__username", "kind", "sent_on"))

    second = run(day, django_capture_on_commit_callbacks)

    assert len(first) == 3  # two leads, one approver
    assert second == []
    assert len(mail.outbox) == 3
    assert list(ReminderSent.objects.values_list("user__username", "kind", "sent_on")) == recorded


def test_approver_gets_one_digest_of_what_awaits_and_only_when_something_is_new(
    setting, approver, lead, programme, django_capture_on_commit_callbacks
):
    day = DEADLINE - dt.timedelta(days=5)  # not a lead reminder day
    run(day, django_capture_on_commit_callbacks)
    (digest,) = mail.outbox
    assert digest.to == ["approver@example.org"]
    assert digest.subject == "Milestone updates awaiting your approval: 2024/25 Q4"
    assert "1 update awaiting your decision" in digest.body
    assert "Urgent Care: UTC" in digest.body  # the analyst approves programme 1 too (fixture)

    run(day, django_capture_on_commit_callbacks)
    run(day + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # nothing new since the last digest

    update = programme.milestones.get(title="Carers strategy").updates.get()
    services.milestone_update_submit(update=update, by=lead, expected_version=update.version)
    run(day + dt.timedelta(days=2), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert "2 updates awaiting your decision" in mail.outbox[1].body


def test_closed_or_not_yet_open_cycles_send_nothing(
    setting, cycle, django_capture_on_commit_callbacks
):
    cycle.opens_on = DEADLINE - dt.timedelta(days=3)
    cycle.save()
    run(DEADLINE - dt.timedelta(days=7), django_capture_on_commit_callbacks)
    cycle.is_open = False
    cycle.save()
    run(DEADLINE + dt.timedelta(days=1), django_capture_on_commit_callbacks)

    assert mail.outbox == []


def test_the_task_takes_an_iso_date_and_calls_the_service(
    setting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emailed = tasks.reminders_send.delay("2025-05-09").get()

    assert emailed == 3
    assert len(mail.outbox) == 3


def test_the_reminders_are_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["programmes-milestone-reminders"]

    assert entry["task"] == "programmes.reminders_send"


def test_returned_notice_goes_to_every_lead_in_one_email(
    setting, lead, approver, programme, django_capture_on_commit_callbacks
):
    update = programme.milestones.get(title="Carers strategy").updates.get()
    update = services.milestone_update_submit(update=update, by=lead, expected_version=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.milestone_update_return(
            update=update, by=approver, reason="More detail", expected_version=update.version
        )

    (message,) = mail.outbox
    assert message.to == ["co.lead@example.org", "lead@example.org"]
