"""The Board's overview: what needs the Locality Board's attention in the reporting quarter.

Composes the other apps' selectors (ADR 0001: board reads scrutiny, performance, programmes,
finance and plans; nothing imports board). Read-only; a fixed number of queries whatever the
number of measures, milestones or budget lines (tests/board/test_board_selectors.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from bury_hc.periods import Quarter
from bury_hc.roles import Role, user_roles
from bury_hc.versions import version_columns, version_of
from finance import selectors as finance_selectors
from performance import selectors as performance_selectors
from performance.models import DirectionOfTravel, TargetStatus
from plans import selectors as plan_selectors
from programmes import selectors as programme_selectors
from scrutiny import selectors as scrutiny_selectors

LOCALITY_BOARD = "locality-board"  # the committee whose last published pack the page compares


@dataclass(frozen=True)
class BoardState:
    """What one request needs before it can use the cached overview: the Board's quarter, a
    version that changes whenever anything the overview shows changes, and the signed-in
    person's own work (counts)."""

    quarter: Quarter
    version: str
    returned_count: int
    awaiting_count: int


def _version_sql() -> str:
    """One SELECT of scalar subqueries: counts and latest changes of every table the overview
    reads (rows saved through the services bump `updated_at` or `version`)."""
    from finance.models import BudgetLine, FinanceQuarter, QuarterlyFinancialPosition
    from performance.models import DashboardSnapshot
    from programmes.models import Milestone, MilestoneUpdate, Programme, ReportingCycle
    from scrutiny.models import CommitteePack

    parts = {
        DashboardSnapshot: "count(*), max(built_at)",
        MilestoneUpdate: "count(*), max(updated_at)",
        Milestone: "count(*), sum(version)",
        Programme: "count(*), sum(number)",
        ReportingCycle: "count(*), max(updated_at)",
        QuarterlyFinancialPosition: "count(*), max(updated_at)",
        FinanceQuarter: "count(*), max(signed_off_at), max(reopened_at)",
        BudgetLine: "count(*), max(id)",
        CommitteePack: "count(*), max(published_at)",
    }
    return "SELECT " + ", ".join(version_columns(parts))


def _work_sql() -> str:
    from programmes.models import MilestoneUpdate, Programme, ReportingCycle

    updates = MilestoneUpdate._meta.db_table
    milestones = MilestoneUpdate._meta.get_field("milestone").related_model._meta.db_table
    leads = Programme.leads.through._meta.db_table
    approvers = Programme.approvers.through._meta.db_table
    cycles = ReportingCycle._meta.db_table
    # Table names come from the models; the user's values are bound parameters.
    return (
        f"(SELECT count(*) FROM {updates} u JOIN {milestones} m ON m.id = u.milestone_id "  # noqa: S608
        f"JOIN {leads} l ON l.programme_id = m.programme_id AND l.user_id = %s "
        f"WHERE u.state = 'returned' AND u.quarter IN "
        f"(SELECT quarter FROM {cycles} WHERE is_open)), "
        f"(SELECT count(*) FROM {updates} u JOIN {milestones} m ON m.id = u.milestone_id "
        f"WHERE u.state = 'submitted' AND (%s OR m.programme_id IN "
        f"(SELECT programme_id FROM {approvers} WHERE user_id = %s))), "
        f"(SELECT quarter FROM {cycles} ORDER BY is_open DESC, quarter DESC LIMIT 1)"
    )


def board_state(*, user: AbstractBaseUser) -> BoardState:
    """The Board's quarter (as `board_quarter`), the overview's version and the person's own
    work, in one query, so that a request for the cached overview touches the database once
    beyond signing in."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"{_version_sql()}, {_work_sql()}", [user.pk, bool(user.is_superuser), user.pk]
        )
        row = cursor.fetchone()
    *versions, returned, awaiting, cycle_quarter = row
    quarter = (
        Quarter.containing(_as_date(cycle_quarter))
        if cycle_quarter
        else programme_selectors.default_quarter()
    )
    is_lead = Role.PROGRAMME_LEAD in user_roles(user)
    return BoardState(
        quarter=quarter,
        version=version_of(versions),
        returned_count=returned if is_lead else 0,
        awaiting_count=awaiting,
    )


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def board_quarter() -> Quarter:
    """The quarter the Board looks at: the reporting quarter, chosen explicitly as the quarter of
    the newest open milestone cycle, else of the newest closed one. Importing data that runs
    into a later month never moves it (only a new reporting cycle does). One query."""
    return programme_selectors.default_quarter()


@dataclass(frozen=True)
class MeasureException:
    row: performance_selectors.DashboardRow
    reasons: tuple[str, ...]


def measure_exceptions(rows: list[performance_selectors.DashboardRow]) -> list[MeasureException]:
    """The measures off target or worsening (judged by polarity, in the snapshots)."""
    found = []
    for row in rows:
        reasons = []
        if row.status == TargetStatus.NOT_MET:
            reasons.append(f"off target ({row.target_text})")
        if row.direction_vs_previous == DirectionOfTravel.WORSENING:
            reasons.append(f"worsening against {row.previous_value_text} in {row.previous_period}")
        if reasons:
            found.append(MeasureException(row=row, reasons=tuple(reasons)))
    return found


@dataclass(frozen=True)
class BoardOverview:
    quarter: Quarter
    plan: Any
    neighbourhoods: list
    neighbourhood: Any
    measures: list[performance_selectors.DashboardRow]
    measure_exceptions: list[MeasureException]
    grid: programme_selectors.ProgrammeGrid
    budgets: dict[int, Decimal]
    fund: finance_selectors.FundExceptions
    fund_summary: finance_selectors.FundSummary | None
    fund_position: finance_selectors.FundPosition | None
    overdue: list[programme_selectors.CompletenessRow]
    cycle: Any
    changes: dict[str, Any] | None
    changes_pack: Any
    neighbourhood_measures: list[performance_selectors.NeighbourhoodMeasure]

    @property
    def exception_count(self) -> int:
        return (
            len(self.measure_exceptions)
            + len(self.grid.exceptions)
            + len(self.fund.lines_beyond_tolerance)
            + len(self.overdue)
        )

    @property
    def grid_rows(self) -> list[tuple[programme_selectors.ProgrammeGridRow, Decimal | None]]:
        return [(row, self.budgets.get(row.programme.pk)) for row in self.grid.rows]


def board_overview(
    *, quarter: Quarter, neighbourhood_slug: str = "", today: dt.date | None = None
) -> BoardOverview:
    """Everything the overview shows for `quarter`, optionally for one neighbourhood team."""
    today = today or timezone.localdate()
    neighbourhoods = list(plan_selectors.neighbourhood_teams())
    chosen = next((n for n in neighbourhoods if n.slug == neighbourhood_slug), None)
    slug = chosen.slug if chosen else None
    every_measure = performance_selectors.dashboard_rows(quarter=quarter)
    rows = [row for row in every_measure if row.in_highlight_report]
    fund = finance_selectors.fund_exceptions(quarter=quarter)
    completeness = programme_selectors.completeness(
        quarter=quarter, today=today, state=programme_selectors.OVERDUE
    )
    overdue = completeness.rows
    if slug:
        overdue = [row for row in overdue if row.milestone.neighbourhood_id == chosen.pk]
    pack = scrutiny_selectors.last_published_pack(committee_slug=LOCALITY_BOARD)
    changes = (
        scrutiny_selectors.changes_since_published(pack=pack, quarter=quarter)
        if pack is not None and pack.snapshot
        else None
    )
    return BoardOverview(
        quarter=quarter,
        plan=plan_selectors.plan_current(),
        neighbourhoods=neighbourhoods,
        neighbourhood=chosen,
        measures=rows,
        measure_exceptions=measure_exceptions(every_measure),
        grid=programme_selectors.programme_grid(quarter=quarter, neighbourhood_slug=slug),
        budgets=finance_selectors.programme_budgets(financial_year=fund.quarter.financial_year)
        if fund.quarter
        else {},
        fund=fund,
        fund_summary=finance_selectors.fund_summary(financial_year=fund.quarter.financial_year)
        if fund.quarter
        else None,
        fund_position=finance_selectors.fund_overview_position(),
        overdue=overdue,
        cycle=completeness.cycle,
        changes=changes,
        changes_pack=pack,
        neighbourhood_measures=performance_selectors.neighbourhood_measures(
            quarter=quarter, neighbourhood=chosen.name if chosen else None
        ),
    )
