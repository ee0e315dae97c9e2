"""Pages of the cycle not covered elsewhere: the programme page's rollup and trend, the
reporting cycles, and adding a milestone in the browser."""

from __future__ import annotations

from django.urls import reverse

from bury_hc.periods import Quarter
from programmes.models import Milestone, ReportingCycle
from tests.factories.programmes import MilestoneFactory, MilestoneUpdateFactory
from tests.programmes.conftest import Q4


def test_programme_page_shows_status_previous_status_and_trend_in_words(
    client, programme, cycle, board
):
    milestone = MilestoneFactory(programme=programme, title="Carers strategy", due_quarter=Q4)
    MilestoneUpdateFactory(
        milestone=milestone,
        quarter=Q4.previous(),
        status="red",
        path_to_green="Recover",
        back_on_track_quarter=Q4,
    )
    MilestoneUpdateFactory(
        milestone=milestone,
        quarter=Q4,
        status="amber",
        path_to_green="Recover",
        back_on_track_quarter=Q4.next(),
    )
    client.force_login(board)

    page = client.get(
        reverse("programmes:detail", kwargs={"slug": programme.slug})
    ).content.decode()

    assert "Milestones reporting in 2024/25 Q4" in page
    assert "Summary by status" in page
    assert "Better than last quarter (Off track (red))" in page
    assert 'govuk-tag--orange">At risk (amber)</strong>' in page
    assert 'govuk-tag--red">Off track (red)</strong>' in page
    assert "Updates are due by 16 May 2025" in page


def test_programme_page_takes_another_quarter(client, programme, cycle, board):
    MilestoneFactory(programme=programme, title="Next year's work", due_quarter=Quarter(2025, 2))
    client.force_login(board)
    url = reverse("programmes:detail", kwargs={"slug": programme.slug})

    page = client.get(url, {"quarter": "2025-26-Q2"}).content.decode()

    assert "Milestones reporting in 2025/26 Q2" in page
    assert "Next year&#x27;s work" in page
    assert client.get(url, {"quarter": "nonsense"}).status_code == 404


def test_performance_team_adds_and_changes_a_cycle_with_reasons(client, approver):
    client.force_login(approver)

    created = client.post(
        reverse("programmes:cycle_create"),
        {"quarter": "2025/26 Q1", "opens_on": "1/7/2025", "deadline": "15/8/2025"},
    )
    cycle = ReportingCycle.objects.get(quarter=Quarter(2025, 1))
    assert created.status_code == 302
    assert (cycle.is_open, cycle.updated_by) == (False, approver)

    edit = reverse("programmes:cycle_edit", kwargs={"quarter": "2025-26-Q1"})
    refused = client.post(edit, {"opens_on": "1/7/2025", "deadline": "15/8/2025", "is_open": "on"})
    assert "Enter why you are reopening the cycle" in refused.content.decode()

    client.post(
        edit,
        {"opens_on": "1/7/2025", "deadline": "22/8/2025", "is_open": "on", "reason": "Late data"},
    )
    cycle.refresh_from_db()
    assert (cycle.is_open, cycle.deadline.day) == (True, 22)
    assert cycle.history.first().history_change_reason == "Late data"
    assert cycle.history.first().history_user == approver


def test_cycle_form_checks_dates_and_duplicates(client, approver, cycle):
    client.force_login(approver)

    page = client.post(
        reverse("programmes:cycle_create"),
        {"quarter": "2024/25 Q4", "opens_on": "1/6/2025", "deadline": "1/5/2025"},
    ).content.decode()

    assert "There is already a cycle for 2024/25 Q4" in page
    assert "The deadline must be on or after the day the cycle opens" in page


def test_lead_adds_a_milestone_with_its_links(client, programme, lead):
    client.force_login(lead)

    response = client.post(
        reverse("programmes:milestone_create", kwargs={"slug": programme.slug}),
        {
            "title": "Open the carers hub",
            "description": "In Radcliffe",
            "start_quarter": "2025/26 Q1",
            "due_quarter": "2025/26 Q3",
            "due_date": "15/12/2025",
            "owner_name": "Carers Centre manager",
        },
    )

    milestone = Milestone.objects.get(title="Open the carers hub")
    assert response.status_code == 302
    assert (milestone.start_quarter, milestone.due_quarter) == (Quarter(2025, 1), Quarter(2025, 3))
    assert milestone.due_date.isoformat() == "2025-12-15"
    assert milestone.history.get().history_user == lead


def test_milestone_form_errors_are_summarised(client, programme, lead, milestone):
    client.force_login(lead)

    page = client.post(
        reverse("programmes:milestone_create", kwargs={"slug": programme.slug}),
        {
            "title": milestone.title,
            "start_quarter": "2025/26 Q1",
            "due_quarter": "2024/25 Q4",
            "due_date": "1/4/2025",
        },
    ).content.decode()

    assert "There is a problem" in page
    assert 'href="#id_title"' in page
    assert "already has a milestone with this title due in 2024/25 Q4" in page
    assert "The start quarter must be 2024/25 Q4 or earlier" in page
    assert "The due date must be in 2024/25 Q4 (January to March 2025)" in page
