"""The audit trail: every change to a milestone or an update, with who, when, before and after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bury_hc.periods import Quarter
from plans.models import LocalityPlan, NeighbourhoodTeam, Priority
from programmes import selectors, services
from programmes.services import MilestoneValues
from tests.programmes.conftest import Q4, draft


@pytest.fixture
def priority(db):
    plan = LocalityPlan.objects.create(title="Plan", short_name="Plan 2025", is_current=True)
    return Priority.objects.create(plan=plan, number=3, title="Transform the model of care")


def entries_for(milestone, subject: str) -> list[selectors.AuditEntry]:
    return [
        entry
        for entry in selectors.milestone_audit_trail(milestone=milestone)
        if entry.subject == subject
    ]


def test_milestone_edit_is_recorded_with_who_when_before_and_after(
    milestone, lead, approver, priority
):
    team = NeighbourhoodTeam.objects.create(name="Radcliffe", order=3)
    services.milestone_edit(
        milestone=milestone,
        values=MilestoneValues(
            title="Approve the carers strategy 2025-29",
            due_quarter=Quarter(2025, 1),
            owner=approver,
            neighbourhood=team,
            priorities=(priority,),
        ),
        by=lead,
        expected_version=milestone.version,
    )

    latest = entries_for(milestone, "Milestone")[0]

    assert (latest.who, latest.action, latest.reason) == ("Priya Shah", "Changed", "Edited")
    assert latest.when is not None
    changes = {change.label: (change.before, change.after) for change in latest.changes}
    assert changes == {
        "Title": ("Approve the Bury Adult Carers Strategy", "Approve the carers strategy 2025-29"),
        "Due quarter": ("2024/25 Q4", "2025/26 Q1"),
        "Owner": ("(blank)", "Sam Okafor"),
        "Neighbourhood": ("(blank)", "Radcliffe"),
        "Priorities": ("(blank)", "Priority 3: Transform the model of care"),
    }


def test_milestone_edit_refuses_a_stale_version(milestone, lead, approver):
    values = MilestoneValues(title="First", due_quarter=Q4)
    services.milestone_edit(milestone=milestone, values=values, by=lead, expected_version=1)

    with pytest.raises(services.StaleEdit):
        services.milestone_edit(
            milestone=milestone,
            values=MilestoneValues(title="Second", due_quarter=Q4),
            by=approver,
            expected_version=1,
        )
    milestone.refresh_from_db()
    assert (milestone.title, milestone.version) == ("First", 2)


def test_milestone_created_in_the_browser_is_one_history_entry(programme, lead, priority):
    milestone = services.milestone_create(
        programme=programme,
        values=MilestoneValues(title="New", due_quarter=Q4, priorities=(priority,)),
        by=lead,
    )

    (entry,) = entries_for(milestone, "Milestone")
    assert (entry.action, entry.who) == ("Created", "Priya Shah")
    assert ("Priorities", "Priority 3: Transform the model of care") in [
        (change.label, change.after) for change in entry.changes
    ]


def test_update_workflow_is_recorded_step_by_step_with_reasons(milestone, lead, approver):
    update = draft(milestone, lead, commentary="On plan")
    update = services.milestone_update_save(
        milestone=milestone,
        quarter=Q4,
        by=lead,
        expected_version=update.version,
        status="green",
        progress_percent=97,
        commentary="Ahead of plan",
    )
    update = services.milestone_update_submit(update=update, by=lead, expected_version=2)
    update = services.milestone_update_return(
        update=update, by=approver, reason="Say who signed it off", expected_version=3
    )

    entries = entries_for(milestone, "Update for 2024/25 Q4")

    assert [(e.action, e.who, e.reason) for e in entries] == [
        ("Changed", "Sam Okafor", "Returned: Say who signed it off"),
        ("Changed", "Priya Shah", "Submitted for approval"),
        ("Changed", "Priya Shah", ""),
        ("Created", "Priya Shah", "Started"),
    ]
    edit = {change.label: (change.before, change.after) for change in entries[2].changes}
    assert edit == {"Progress percent": ("95", "97"), "Commentary": ("On plan", "Ahead of plan")}
    returned = {change.label: (change.before, change.after) for change in entries[0].changes}
    assert returned["State"] == ("Submitted", "Returned")
    assert returned["Returned reason"] == ("(blank)", "Say who signed it off")
    assert returned["Decided by"] == ("(blank)", "Sam Okafor")


def test_milestone_page_renders_the_audit_trail_and_status_history(client, milestone, lead, board):
    draft(milestone, lead, commentary="Going well")
    client.force_login(board)

    page = client.get(
        reverse("programmes:milestone_detail", kwargs={"pk": milestone.pk})
    ).content.decode()

    assert "Audit trail" in page
    assert "Update for 2024/25 Q4: created (Started)" in page
    assert "By Priya Shah" in page
    assert "Going well" in page
    assert "Status by quarter" in page
    assert "On track (green)" in page


def test_audit_trail_queries_do_not_grow_with_history(
    milestone, lead, approver, django_assert_num_queries
):
    update = draft(milestone, lead)
    # the milestone's and the updates' records, their two link tables, and the people named
    # (neighbourhoods, priorities and objectives are looked up only when some are linked)
    expected = 5
    with django_assert_num_queries(expected):
        selectors.milestone_audit_trail(milestone=milestone)
    for number in range(5):
        update = services.milestone_update_save(
            milestone=milestone,
            quarter=Q4,
            by=lead if number % 2 else approver,
            expected_version=update.version,
            status="green",
            progress_percent=90 + number,
        )
        services.milestone_edit(
            milestone=milestone,
            values=MilestoneValues(title=f"Title {number}", due_quarter=Q4, owner=approver),
            by=lead,
            expected_version=milestone.version + number,
        )

    with django_assert_num_queries(expected):
        trail = selectors.milestone_audit_trail(milestone=milestone)

    assert len(trail) == 12  # created + 5 edits, for the milestone and for its update


def test_second_of_two_milestone_editors_is_refused_and_shown_the_difference(
    milestone, lead, approver
):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(lead)
    second.force_login(approver)
    url = reverse("programmes:milestone_edit", kwargs={"pk": milestone.pk})
    loaded = {"due_quarter": Q4.label, "version": str(milestone.version)}

    saved = first.post(url, {"title": "Approve the carers strategy", **loaded})
    refused = second.post(url, {"title": "Agree the carers strategy", **loaded})

    assert saved.status_code == 302
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Someone else saved this after you opened it" in page
    assert "Agree the carers strategy" in page
    assert "Approve the carers strategy" in page
    milestone.refresh_from_db()
    assert (milestone.title, milestone.version) == ("Approve the carers strategy", 2)


def test_programme_is_named_in_the_audit_trail(milestone):
    (created,) = selectors.milestone_audit_trail(milestone=milestone)

    assert ("Programme", "Adult Social Care Transformation") in [
        (change.label, change.after) for change in created.changes
    ]
