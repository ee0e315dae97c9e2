"""The Board's overview: the reporting quarter, the exceptions, the programme grid, the
neighbourhood filter and the personal work banner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.urls import reverse

from board import selectors
from bury_hc.periods import FinancialYear, Month, Period, Quarter
from bury_hc.roles import Role
from performance.snapshots import snapshots_rebuild
from tests.factories import (
    AreaFactory,
    BudgetLineFactory,
    MeasureFactory,
    ObservationFactory,
    user_with_role,
)
from tests.factories.finance import FinanceQuarterFactory, PositionFactory
from tests.factories.programmes import (
    MilestoneFactory,
    MilestoneUpdateFactory,
    ProgrammeFactory,
    ReportingCycleFactory,
    approver_of,
    lead_of,
)

Q4 = Quarter(2024, 4)
Q3 = Quarter(2024, 3)


@pytest.fixture
def cycle(db):
    return ReportingCycleFactory(quarter=Q4, is_open=True)


def worsening_measure(name: str = "People waiting") -> None:
    measure = MeasureFactory(name=name, polarity="lower")
    ObservationFactory(measure=measure, period=Period.for_quarter(Q3), value=D("50"))
    ObservationFactory(measure=measure, period=Period.for_quarter(Q4), value=D("60"))


def overview_as_board_member(client) -> tuple[str, str]:
    """The overview as a Board member reads it, and its exceptions block."""
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    page = client.get(reverse("overview")).content.decode()
    start = page.index('data-testid="exceptions"')
    return page, page[start : page.index("</section>", start)]


def test_board_quarter_is_the_reporting_cycles_not_the_newest_data(cycle):
    worsening_measure()
    # Care-home ratings running to April 2026 must not move the Board's quarter.
    ObservationFactory(
        measure=MeasureFactory(in_highlight_report=False),
        period=Period.for_month(Month(2026, 4)),
        value=D("80"),
    )
    snapshots_rebuild()

    assert selectors.board_quarter() == Q4


def test_board_quarter_is_the_last_closed_cycle_when_none_is_open(db):
    ReportingCycleFactory(quarter=Q3, is_open=False)
    ReportingCycleFactory(
        quarter=Q4, is_open=False, opens_on=dt.date(2025, 4, 1), deadline=dt.date(2025, 5, 1)
    )

    assert selectors.board_quarter() == Q4


def test_overview_shows_the_cycles_quarter_after_a_later_import(client, cycle):
    worsening_measure()
    ObservationFactory(
        measure=MeasureFactory(in_highlight_report=True, name="Care home ratings"),
        period=Period.for_month(Month(2026, 4)),
        value=D("80"),
    )
    snapshots_rebuild()
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    page = client.get(reverse("overview")).content.decode()

    assert "Reporting quarter 2024/25 Q4" in page
    assert "2026/27" not in page


def test_measure_worsening_is_an_exception_with_what_it_compared(cycle):
    worsening_measure("People waiting")
    improving = MeasureFactory(name="Improving one", polarity="higher")
    ObservationFactory(measure=improving, period=Period.for_quarter(Q3), value=D("50"))
    ObservationFactory(measure=improving, period=Period.for_quarter(Q4), value=D("60"))
    snapshots_rebuild()

    overview = selectors.board_overview(quarter=Q4, today=dt.date(2025, 4, 2))

    assert [e.row.measure_name for e in overview.measure_exceptions] == ["People waiting"]
    assert overview.measure_exceptions[0].reasons == ("worsening against 50 in 2024/25 Q3",)


def test_programme_grid_rag_is_the_worst_reported_status(cycle):
    programme = ProgrammeFactory(name="Urgent Care")
    red = MilestoneFactory(programme=programme, title="Red one")
    MilestoneUpdateFactory(
        milestone=red,
        status="red",
        state="submitted",
        path_to_green="Recruit two social workers",
        back_on_track_quarter=Quarter(2025, 2),
    )
    MilestoneUpdateFactory(
        milestone=red,
        quarter=Q3,
        status="amber",
        state="approved",
        path_to_green="x",
        back_on_track_quarter=Q4,
    )
    green = MilestoneFactory(programme=programme, title="Green one")
    MilestoneUpdateFactory(milestone=green, status="green", state="approved")
    draft = MilestoneFactory(programme=programme, title="Draft only")
    MilestoneUpdateFactory(milestone=draft, status="green", state="draft")

    grid = selectors.programme_selectors.programme_grid(quarter=Q4)

    row = next(r for r in grid.rows if r.programme == programme)
    assert (row.status, row.previous_status) == ("red", "amber")
    counts = {c.status: c.count for c in row.counts}
    assert (counts["red"], counts["green"], counts["no_update"]) == (1, 1, 1)  # drafts unseen
    assert [item.milestone.title for item in grid.exceptions] == ["Red one"]


def test_overview_page_lists_exceptions_and_the_grid(client, cycle):
    programme = ProgrammeFactory(name="Urgent Care", slug="urgent-care", number=1)
    milestone = MilestoneFactory(programme=programme, title="Open the new hub")
    MilestoneUpdateFactory(
        milestone=milestone,
        status="amber",
        state="approved",
        path_to_green="Agree the lease",
        back_on_track_quarter=Quarter(2025, 1),
    )
    MilestoneFactory(programme=programme, title="Never started")
    worsening_measure("People waiting")
    snapshots_rebuild()
    line = BudgetLineFactory(service_area="Home care", programme=programme)
    PositionFactory(line=line, quarter=Quarter(2021, 1), forecast_outturn=D("1100000"))
    FinanceQuarterFactory(
        quarter=Quarter(2021, 1),
        state="signed_off",
        signed_off_by=user_with_role(Role.FINANCE_LEAD),
        signed_off_at=dt.datetime(2021, 7, 29, tzinfo=dt.UTC),
    )
    page, exceptions = overview_as_board_member(client)

    assert "People waiting" in exceptions
    assert "Open the new hub" in exceptions
    assert "Agree the lease" in exceptions
    assert "No 2024/25 Q4 figures have been entered; the latest signed-off quarter is" in exceptions
    assert "Home care" in exceptions
    assert "Never started" in exceptions  # overdue: the deadline has passed
    grid = page[page.index('data-testid="programme-grid"') :]
    assert "1. Urgent Care" in grid
    assert "At risk (amber)" in grid
    assert "£1.0m" in grid


@pytest.mark.parametrize("programmes", [2, 8])
def test_overview_query_count_does_not_grow(client, cycle, django_assert_num_queries, programmes):
    for index in range(programmes):
        programme = ProgrammeFactory()
        for _ in range(3):
            MilestoneUpdateFactory(
                milestone=MilestoneFactory(programme=programme), state="approved"
            )
        BudgetLineFactory(programme=programme)
        worsening_measure(f"Measure {index}")
    snapshots_rebuild()
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    cache.clear()

    with django_assert_num_queries(21):  # everything read afresh (the cache was emptied)
        first = client.get(reverse("overview"))
    # The user with their roles, and the overview's version, quarter and the person's own work
    # (the session is read through the cache).
    with django_assert_num_queries(2):
        again = client.get(reverse("overview"))

    def main(response) -> str:  # the page outside <main> carries a fresh CSP nonce
        page = response.content.decode()
        return page[page.index("<main") : page.index("</main>")]

    assert main(first) == main(again)


def test_overview_is_read_afresh_after_a_change(client, cycle):
    programme = ProgrammeFactory(name="Urgent Care")
    milestone = MilestoneFactory(programme=programme, title="Open the new hub")
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    assert "Milestones Red or Amber (0)" in client.get(reverse("overview")).content.decode()

    MilestoneUpdateFactory(
        milestone=milestone,
        status="red",
        state="approved",
        path_to_green="Agree the lease",
        back_on_track_quarter=Quarter(2025, 1),
    )

    assert "Milestones Red or Amber (1)" in client.get(reverse("overview")).content.decode()


def test_board_state_agrees_with_board_quarter(cycle):
    ReportingCycleFactory(quarter=Quarter(2025, 1), is_open=False)

    state = selectors.board_state(user=user_with_role(Role.BOARD_MEMBER))

    assert state.quarter == selectors.board_quarter() == Q4


def test_neighbourhood_filter_limits_the_milestones(client, cycle):
    from plans.models import NeighbourhoodTeam

    radcliffe = NeighbourhoodTeam.objects.create(name="Radcliffe", slug="radcliffe", order=3)
    programme = ProgrammeFactory()
    MilestoneUpdateFactory(
        milestone=MilestoneFactory(programme=programme, neighbourhood=radcliffe, title="In R"),
        status="red",
        state="approved",
        path_to_green="p",
        back_on_track_quarter=Quarter(2025, 1),
    )
    MilestoneUpdateFactory(
        milestone=MilestoneFactory(programme=programme, title="Elsewhere"),
        status="red",
        state="approved",
        path_to_green="p",
        back_on_track_quarter=Quarter(2025, 1),
    )

    overview = selectors.board_overview(quarter=Q4, neighbourhood_slug="radcliffe")

    assert [item.milestone.title for item in overview.grid.exceptions] == ["In R"]


def test_neighbourhood_counts_are_suppressed_and_cannot_be_recovered(cycle):
    measure = MeasureFactory(name="Carers identified", unit="count")
    for name, code, value in [
        ("Prestwich", "N1", 3),
        ("Whitefield", "N2", 12),
        ("Radcliffe", "N3", 9),
        ("Bury town", "N4", 20),
        ("Ramsbottom/Tottington", "N5", 15),
    ]:
        ObservationFactory(
            measure=measure,
            area=AreaFactory(name=name, ons_code=code, kind="neighbourhood"),
            value=D(value),
        )
    ObservationFactory(measure=measure, value=D("59"))

    [item] = selectors.performance_selectors.neighbourhood_measures(quarter=Q4)

    shown = {value.name: value.text for value in item.values}
    assert shown["Prestwich"] == "fewer than 5"
    assert shown["Radcliffe"].startswith("not shown")  # else 59 - 12 - 9... reveals Prestwich
    assert shown["Bury town"] == "20"
    assert item.total_text == "59"


def test_lead_sees_updates_returned_to_them(client, cycle):
    programme = ProgrammeFactory()
    lead = lead_of(programme)
    MilestoneUpdateFactory(milestone=MilestoneFactory(programme=programme), state="returned")
    client.force_login(lead)

    page = client.get(reverse("overview")).content.decode()

    assert "1 update returned to you" in page


def test_approver_sees_updates_awaiting_their_decision(client, cycle):
    programme = ProgrammeFactory()
    approver = approver_of(programme)
    MilestoneUpdateFactory(milestone=MilestoneFactory(programme=programme), state="submitted")
    client.force_login(approver)

    page = client.get(reverse("overview")).content.decode()

    assert "1 update awaiting your decision" in page
    assert "returned to you" not in page


def test_overdue_list_links_to_completeness_only_for_those_who_may_read_it(client, cycle):
    """More than five overdue updates end with a link to the completeness page; a programme
    lead may not read that page, so is not sent to a refusal (even when a Board member's
    visit has just cached the page)."""
    programme = ProgrammeFactory()
    for number in range(6):
        MilestoneFactory(programme=programme, title=f"Overdue milestone {number}")
    completeness = reverse("programmes:completeness")
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    assert completeness in client.get(reverse("overview")).content.decode()
    lead = lead_of(programme)
    client.force_login(lead)
    assert client.get(completeness).status_code == 403

    page = client.get(reverse("overview")).content.decode()

    assert "6 updates are overdue" in page
    assert completeness not in page


def test_exception_says_when_its_latest_value_is_from(client, cycle):
    """An annual measure's latest value can be years older than the reporting quarter (ASCOF
    figures end in 2023/24, delayed transfers of care in 2019/20): the exception says so,
    rather than reading as this quarter's figure."""
    measure = MeasureFactory(
        name="Delayed transfers of care", polarity="lower", frequency="annual", decimal_places=1
    )
    for year, value in ((2018, "13.6"), (2019, "13.7")):
        period = Period.for_financial_year(FinancialYear(year))
        ObservationFactory(measure=measure, period=period, value=D(value))
    worsening_measure("People waiting")  # this quarter's figures
    snapshots_rebuild()
    _, exceptions = overview_as_board_member(client)

    assert "13.7 in 2019/20, worsening against 13.6 in 2018/19" in exceptions
    assert "60 in 2024/25 Q4, worsening against 50 in 2024/25 Q3" in exceptions
