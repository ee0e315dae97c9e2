"""Reads for the pages: which milestones report in a quarter, the programme page, the
completeness page and the worklists, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bury_hc.periods import Quarter
from programmes import selectors
from programmes.models import MilestoneUpdate
from tests.factories.programmes import (
    MilestoneFactory,
    MilestoneUpdateFactory,
    ReportingCycleFactory,
)
from tests.programmes.conftest import Q4

Q3 = Q4.previous()


def reporting(quarter: Quarter) -> set[str]:
    return set(selectors.milestones_in_cycle(quarter=quarter).values_list("title", flat=True))


def test_milestones_report_from_their_start_to_their_due_quarter(programme):
    MilestoneFactory(programme=programme, title="Due Q4, no start", due_quarter=Q4)
    MilestoneFactory(
        programme=programme, title="Q3 to next Q2", start_quarter=Q3, due_quarter=Quarter(2025, 2)
    )
    MilestoneFactory(programme=programme, title="Due next year", due_quarter=Quarter(2025, 4))
    MilestoneFactory(programme=programme, title="Due last year", due_quarter=Quarter(2023, 4))
    MilestoneFactory(programme=programme, title="Retired", due_quarter=Q4, is_active=False)

    assert reporting(Quarter(2024, 1)) == {"Due Q4, no start"}
    assert reporting(Q4) == {"Due Q4, no start", "Q3 to next Q2"}
    assert reporting(Quarter(2025, 2)) == {"Q3 to next Q2", "Due next year"}


def test_late_milestones_keep_reporting_until_approved_complete(programme):
    late = MilestoneFactory(programme=programme, title="Late", due_quarter=Q3)
    MilestoneUpdateFactory(
        milestone=late,
        quarter=Q3,
        status="red",
        state="approved",
        path_to_green="x",
        back_on_track_quarter=Q4,
    )
    done = MilestoneFactory(programme=programme, title="Done early", due_quarter=Quarter(2025, 1))
    MilestoneUpdateFactory(
        milestone=done, quarter=Q3, status="complete", progress_percent=100, state="approved"
    )
    MilestoneFactory(programme=programme, title="Never reported", due_quarter=Q3)

    assert reporting(Q4) == {"Late"}


def test_programme_page_shows_this_and_last_quarter_and_the_trend(programme, cycle):
    better = MilestoneFactory(programme=programme, title="Better", due_quarter=Q4)
    MilestoneUpdateFactory(
        milestone=better, quarter=Q3, status="amber", path_to_green="x", back_on_track_quarter=Q4
    )
    MilestoneUpdateFactory(milestone=better, quarter=Q4, status="green")
    MilestoneFactory(programme=programme, title="Silent", due_quarter=Q4)
    MilestoneFactory(programme=programme, title="Old", due_quarter=Quarter(2022, 1))

    page = selectors.programme_page(slug=programme.slug, quarter=Q4)

    rows = {row.milestone.title: row for row in page.rows}
    assert set(rows) == {"Better", "Silent"}
    assert rows["Better"].update.status == "green"
    assert rows["Better"].previous.status == "amber"
    assert rows["Better"].trend.text == "Better than last quarter (At risk (amber))"
    assert rows["Silent"].trend.text == "No update this quarter"
    assert [row.milestone.title for row in page.other_milestones] == ["Old"]
    counts = {count.status: count.count for count in page.counts}
    assert counts == {
        "not_started": 0,
        "green": 1,
        "amber": 0,
        "red": 0,
        "complete": 0,
        "no_update": 1,
    }
    assert page.cycle == cycle


def make_milestones(programme, count: int) -> None:
    for number in range(count):
        milestone = MilestoneFactory(programme=programme, due_quarter=Q4)
        MilestoneUpdateFactory(milestone=milestone, quarter=Q3, status="green")
        if number % 2:
            MilestoneUpdateFactory(milestone=milestone, quarter=Q4, status="green")


@pytest.mark.parametrize("count", [2, 12])
def test_programme_page_queries_do_not_grow_with_milestones(
    programme, cycle, lead, approver, count, django_assert_num_queries
):
    make_milestones(programme, count)

    # programme, priorities, objectives, leads, approvers, milestones, updates, cycle, quarters
    with django_assert_num_queries(9):
        page = selectors.programme_page(slug=programme.slug, quarter=Q4)
        for row in page.rows:  # what the template reads
            _ = (row.milestone.neighbourhood, row.milestone.owner, row.trend)
        _ = [list(page.programme.leads.all()), list(page.programme.approvers.all())]

    assert len(page.rows) == count


@pytest.mark.parametrize("count", [2, 12])
def test_completeness_queries_do_not_grow_with_milestones(
    programme, other_programme, cycle, count, django_assert_num_queries
):
    make_milestones(programme, count)
    make_milestones(other_programme, count)

    # cycle, programmes, milestones, their updates
    with django_assert_num_queries(4):
        report = selectors.completeness(quarter=Q4, today=dt.date(2025, 5, 1))
        _ = [(row.programme.name, row.milestone.title, row.update) for row in report.rows]

    assert report.total == 2 * count


def test_completeness_states_counts_filters_and_overdue(programme, other_programme, lead):
    ReportingCycleFactory(quarter=Q4, deadline=dt.date(2025, 5, 16))
    for state in ["draft", "submitted", "approved", "returned"]:
        milestone = MilestoneFactory(programme=programme, title=state, due_quarter=Q4)
        MilestoneUpdateFactory(milestone=milestone, quarter=Q4, state=state)
    MilestoneFactory(programme=other_programme, title="not started", due_quarter=Q4)

    before = selectors.completeness(quarter=Q4, today=dt.date(2025, 5, 16))
    after = selectors.completeness(quarter=Q4, today=dt.date(2025, 5, 17))

    assert {key: count for key, _, count in before.counts} == {
        "not_started": 1,
        "draft": 1,
        "returned": 1,
        "submitted": 1,
        "approved": 1,
        "overdue": 0,
    }
    assert {row.milestone.title for row in after.rows if row.overdue} == {
        "draft",
        "returned",
        "not started",
    }
    overdue = selectors.completeness(quarter=Q4, today=dt.date(2025, 5, 17), state="overdue")
    assert len(overdue.rows) == 3
    approved = selectors.completeness(quarter=Q4, today=dt.date(2025, 5, 17), state="approved")
    assert [row.milestone.title for row in approved.rows] == ["approved"]
    mine = selectors.completeness(
        quarter=Q4, today=dt.date(2025, 5, 17), programme_slug=other_programme.slug
    )
    assert [row.milestone.title for row in mine.rows] == ["not started"]
    assert mine.total == 1


def test_completeness_page_filters_and_downloads(client, programme, cycle, approver):
    MilestoneFactory(programme=programme, title="Carers strategy", due_quarter=Q4)
    client.force_login(approver)
    url = reverse("programmes:completeness")

    page = client.get(url, {"quarter": Q4.code, "state": "not_started"}).content.decode()
    csv = client.get(url, {"quarter": Q4.code, "download": "csv"})

    assert "Carers strategy" in page
    assert "Overdue" in page
    assert csv["Content-Type"].startswith("text/csv")
    assert "Carers strategy" in csv.content.decode("utf-8-sig")


@pytest.mark.parametrize("count", [2, 12])
def test_lead_worklists_queries_do_not_grow(
    programme, cycle, lead, count, django_assert_num_queries
):
    make_milestones(programme, count)

    with django_assert_num_queries(4):  # roles, open cycles, milestones, their updates
        worklists = selectors.lead_worklists(user=lead)

    assert worklists[0].outstanding == count  # drafts and not started alike


def test_lead_worklist_holds_only_their_programmes(programme, other_programme, cycle, lead):
    MilestoneFactory(programme=programme, title="Mine", due_quarter=Q4)
    MilestoneFactory(programme=other_programme, title="Theirs", due_quarter=Q4)

    (worklist,) = selectors.lead_worklists(user=lead)

    assert [item.milestone.title for items in worklist.to_enter.values() for item in items] == [
        "Mine"
    ]


def test_awaiting_decision_only_for_programmes_they_approve(
    programme, other_programme, lead, approver
):
    mine = MilestoneFactory(programme=programme, due_quarter=Q4)
    theirs = MilestoneFactory(programme=other_programme, due_quarter=Q4)
    for milestone in (mine, theirs):
        MilestoneUpdateFactory(milestone=milestone, state="submitted")

    assert [u.milestone for u in selectors.awaiting_decision(user=approver)] == [mine]


def test_updates_page_lists_the_leads_milestones_and_the_approvers_queue(
    client, milestone, lead, approver
):
    client.force_login(lead)
    lead_page = client.get(reverse("programmes:updates")).content.decode()
    MilestoneUpdate.objects.create(
        milestone=milestone,
        quarter=Q4,
        status="green",
        progress_percent=95,
        state="submitted",
        submitted_by=lead,
        submitted_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
    )
    client.force_login(approver)
    approver_page = client.get(reverse("programmes:updates")).content.decode()

    assert "Your milestones for 2024/25 Q4" in lead_page
    assert milestone.title in lead_page
    assert "Enter update" in lead_page
    assert "Awaiting your decision" in approver_page
    assert milestone.title in approver_page
