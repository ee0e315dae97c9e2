"""Reads of the Integrated Care Fund, shaped for its pages, the overview, programme pages and
committee packs.

Everything returned is a frozen dataclass of plain values (`Decimal`, `Quarter`, text), so a
pack can copy it as it stands. Sums are done in the database (exact `numeric` on PostgreSQL,
quantised to pence by Django's decimal converter on SQLite) and in Python only as `Decimal`.
The number of queries a selector makes does not grow with the number of budget lines.

Statuses are worked out on reading, from the year's variance thresholds (`finance.variance`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Abs, Coalesce

from bury_hc.periods import FinancialYear, Quarter
from bury_hc.roles import Role, user_has_role
from finance.models import (
    BudgetLine,
    BudgetPool,
    EfficiencyScheme,
    FinanceQuarter,
    QuarterlyFinancialPosition,
    VarianceThresholds,
)
from finance.variance import Thresholds, Variance, VarianceStatus, variance_judge
from plans.models import Organisation, StaffProfile
from programmes.models import Programme

ZERO = Decimal("0.00")
LARGEST_VARIANCES = 5


def _money(value: Decimal | int | None) -> Decimal:
    """A sum from the database as Decimal pounds and pence (None, from no rows, is £0.00)."""
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


# --- the annual fund (kept for the overview's pool cards) -----------------------------------


@dataclass(frozen=True)
class PoolTotal:
    pool_type: str
    name: str
    description: str
    annual_budget: Decimal
    line_count: int


@dataclass(frozen=True)
class FundSummary:
    financial_year: FinancialYear
    pools: tuple[PoolTotal, ...]

    @property
    def total(self) -> Decimal:
        return sum((pool.annual_budget for pool in self.pools), Decimal(0))


def fund_latest_year() -> FinancialYear | None:
    return BudgetLine.objects.aggregate(latest=Max("financial_year"))["latest"]


def fund_summary(*, financial_year: FinancialYear) -> FundSummary:
    """Each pool's annual budget for the year, summed in the database as Decimal."""
    totals = {
        row["pool_id"]: row
        for row in BudgetLine.objects.filter(financial_year=financial_year)
        .values("pool_id")
        .annotate(budget=Sum("annual_budget"), lines=Count("id"))
        .order_by()
    }
    pools = tuple(
        PoolTotal(
            pool_type=pool.pool_type,
            name=pool.name,
            description=pool.description,
            annual_budget=totals.get(pool.id, {}).get("budget") or Decimal("0.00"),
            line_count=totals.get(pool.id, {}).get("lines") or 0,
        )
        for pool in BudgetPool.objects.order_by("order")
    )
    return FundSummary(financial_year=financial_year, pools=pools)


# --- thresholds, quarters and who may edit --------------------------------------------------


def variance_thresholds_for(*, financial_year: FinancialYear) -> Thresholds:
    """The year's thresholds as set by the finance lead, or the default 1% and 3%."""
    row = VarianceThresholds.objects.filter(financial_year=financial_year).first()
    if row is None:
        return Thresholds()
    return Thresholds(row.green_within_percent, row.amber_within_percent)


def variance_thresholds_record(*, financial_year: FinancialYear) -> VarianceThresholds | None:
    return VarianceThresholds.objects.filter(financial_year=financial_year).first()


def fund_quarters() -> tuple[Quarter, ...]:
    """Quarters with figures or a sign-off record, newest first."""
    with_figures = set(
        QuarterlyFinancialPosition.objects.order_by().values_list("quarter", flat=True).distinct()
    )
    with_state = set(FinanceQuarter.objects.values_list("quarter", flat=True))
    return tuple(sorted(with_figures | with_state, reverse=True))


def fund_years() -> tuple[FinancialYear, ...]:
    """Financial years with budget lines, newest first."""
    return tuple(
        BudgetLine.objects.order_by("-financial_year")
        .values_list("financial_year", flat=True)
        .distinct()
    )


def user_organisation(user) -> Organisation | None:
    """The organisation a user works for (their staff profile), if any."""
    if not user.is_authenticated:
        return None
    profile = StaffProfile.objects.select_related("organisation").filter(user=user).first()
    return profile.organisation if profile else None


def line_editable_by(*, user, line: BudgetLine) -> bool:
    """Finance officers enter figures for their own organisation's lines only."""
    if not user_has_role(user, Role.FINANCE_OFFICER):
        return False
    organisation = user_organisation(user)
    return organisation is not None and organisation.pk == line.host_organisation_id


@dataclass(frozen=True)
class QuarterEvent:
    """One step in a quarter's sign-off history."""

    at: dt.datetime
    by: str
    what: str


@dataclass(frozen=True)
class QuarterState:
    quarter: Quarter
    state: str  # FinanceQuarter.State value
    state_label: str
    signed_off_by: str
    signed_off_at: dt.datetime | None
    reopened_by: str
    reopened_at: dt.datetime | None
    reopen_reason: str
    events: tuple[QuarterEvent, ...] = ()

    @property
    def is_signed_off(self) -> bool:
        return self.state == FinanceQuarter.State.SIGNED_OFF


def quarter_state(*, quarter: Quarter, with_events: bool = False) -> QuarterState:
    """The quarter's sign-off state (a quarter nobody has touched is a draft)."""
    row = (
        FinanceQuarter.objects.select_related("signed_off_by", "reopened_by")
        .filter(quarter=quarter)
        .first()
    )
    events: tuple[QuarterEvent, ...] = ()
    if row is not None and with_events:
        events = tuple(
            QuarterEvent(
                at=record.history_date,
                by=_name(record.history_user),
                what=record.history_change_reason
                or ("Opened as a draft" if record.state == "draft" else _state_label(record.state)),
            )
            for record in row.history.select_related("history_user").order_by("history_date")
            if record.history_change_reason or record.history_type == "+"
        )
    if row is None:
        return QuarterState(
            quarter, FinanceQuarter.State.DRAFT, _state_label("draft"), "", None, "", None, ""
        )
    return QuarterState(
        quarter=quarter,
        state=row.state,
        state_label=row.get_state_display(),
        signed_off_by=_name(row.signed_off_by),
        signed_off_at=row.signed_off_at,
        reopened_by=_name(row.reopened_by),
        reopened_at=row.reopened_at,
        reopen_reason=row.reopen_reason,
        events=events,
    )


def quarter_sign_off_problems(*, quarter: Quarter) -> list[str]:
    """Why the quarter cannot be signed off yet (empty when it can): every budget line of the
    year must have figures for it, and every red line an explanation. Three queries."""
    year = quarter.financial_year
    lines = BudgetLine.objects.filter(financial_year=year)
    if not lines.exists():
        return [f"There are no budget lines for {year.label}."]
    problems = []
    missing = lines.exclude(positions__quarter=quarter).count()
    if missing:
        problems.append(
            f"{missing} budget line{'s have' if missing != 1 else ' has'} no figures for "
            f"{quarter.label}: the finance officers must enter them first."
        )
    thresholds = variance_thresholds_for(financial_year=year)
    unexplained = sum(
        1
        for budget, forecast in QuarterlyFinancialPosition.objects.filter(
            quarter=quarter, line__financial_year=year, explanation=""
        ).values_list("budget", "forecast_outturn")
        if variance_judge(budget=budget, forecast=forecast, thresholds=thresholds).needs_explanation
    )
    if unexplained:
        problems.append(
            f"{unexplained} line{'s are' if unexplained != 1 else ' is'} beyond the amber "
            "threshold with no explanation."
        )
    return problems


def signed_off_quarters(*, quarters: Iterable[Quarter]) -> frozenset[Quarter]:
    """Which of these quarters are signed off (locked)."""
    return frozenset(
        FinanceQuarter.objects.filter(
            quarter__in=list(quarters), state=FinanceQuarter.State.SIGNED_OFF
        ).values_list("quarter", flat=True)
    )


def budget_line(*, line_id: int) -> BudgetLine | None:
    return (
        BudgetLine.objects.select_related("pool", "host_organisation", "programme")
        .filter(pk=line_id)
        .first()
    )


def position_current(*, line_id: int, quarter: Quarter) -> QuarterlyFinancialPosition | None:
    """A line's figures for a quarter as they stand, with who last saved them."""
    return (
        QuarterlyFinancialPosition.objects.select_related("updated_by", "batch")
        .filter(line_id=line_id, quarter=quarter)
        .first()
    )


def _state_label(state: str) -> str:
    return FinanceQuarter.State(state).label


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- the fund at a quarter: totals, lines, trend --------------------------------------------


@dataclass(frozen=True)
class FigureTotals:
    """A group of budget lines (a pool, an organisation, the whole fund) at a quarter.

    `budget` counts every line: its budget as reported for the quarter or, where the line has
    no figures yet, its annual budget. The variance compares the forecast with the budget of
    the lines that have reported (`reported_budget`), so a missing line does not look like an
    underspend; `reported_count` of `line_count` says how complete the picture is.
    """

    key: str
    label: str
    description: str
    line_count: int
    reported_count: int
    budget: Decimal
    reported_budget: Decimal
    actual_to_date: Decimal
    forecast_outturn: Decimal
    variance: Variance | None

    @property
    def is_complete(self) -> bool:
        return self.reported_count == self.line_count

    @property
    def status(self) -> VarianceStatus:
        return self.variance.status if self.variance else VarianceStatus.NOT_REPORTED


@dataclass(frozen=True)
class LineFigures:
    """One budget line and its figures at a quarter (blank where it has not reported)."""

    line_id: int
    financial_year: FinancialYear
    quarter: Quarter
    pool_type: str
    pool_name: str
    organisation_id: int
    organisation_name: str
    organisation_short_name: str
    service_area: str
    programme_name: str
    programme_slug: str
    annual_budget: Decimal
    budget: Decimal | None
    actual_to_date: Decimal | None
    forecast_outturn: Decimal | None
    explanation: str
    variance: Variance | None
    version: int | None
    source_file: str

    @property
    def reported(self) -> bool:
        return self.variance is not None

    @property
    def status(self) -> VarianceStatus:
        return self.variance.status if self.variance else VarianceStatus.NOT_REPORTED


@dataclass(frozen=True)
class TrendPoint:
    quarter: Quarter
    reported_count: int
    budget: Decimal | None
    actual_to_date: Decimal | None
    forecast_outturn: Decimal | None


@dataclass(frozen=True)
class FundQuarterSummary:
    """The fund at a glance for a quarter. Frozen and plain: a committee pack can copy it."""

    quarter: Quarter
    state: QuarterState
    thresholds: Thresholds
    total: FigureTotals
    pools: tuple[FigureTotals, ...]
    organisations: tuple[FigureTotals, ...]
    largest_variances: tuple[LineFigures, ...]
    trend: tuple[TrendPoint, ...]

    @property
    def financial_year(self) -> FinancialYear:
        return self.quarter.financial_year


def fund_quarter_summary(*, quarter: Quarter) -> FundQuarterSummary:
    """Totals by pool and by organisation, the fund's total, the largest variances and the
    year's trend, for one quarter. Six queries, however many lines there are."""
    year = quarter.financial_year
    thresholds = variance_thresholds_for(financial_year=year)
    pools = _group_totals(
        quarter=quarter,
        thresholds=thresholds,
        group=("pool__pool_type", "pool__name", "pool__description", "pool__order"),
        order=("pool__order",),
        key="pool__pool_type",
        label="pool__name",
        description="pool__description",
    )
    organisations = _group_totals(
        quarter=quarter,
        thresholds=thresholds,
        group=("host_organisation_id", "host_organisation__name"),
        order=("host_organisation__name",),
        key="host_organisation_id",
        label="host_organisation__name",
    )
    return FundQuarterSummary(
        quarter=quarter,
        state=quarter_state(quarter=quarter),
        thresholds=thresholds,
        total=_totals_combined(pools, thresholds, key="fund", label="Integrated Care Fund"),
        pools=pools,
        organisations=organisations,
        largest_variances=fund_largest_variances(quarter=quarter, thresholds=thresholds),
        trend=fund_trend(financial_year=year),
    )


@dataclass(frozen=True)
class LinesDetail:
    """A set of lines at a quarter and their total (an organisation's lines in a pool)."""

    quarter: Quarter
    thresholds: Thresholds
    totals: FigureTotals
    lines: tuple[LineFigures, ...]


def fund_organisation_lines(
    *, quarter: Quarter, pool_type: str, organisation_id: int
) -> LinesDetail | None:
    """One organisation's lines in one pool at a quarter, with their total. Two queries."""
    thresholds = variance_thresholds_for(financial_year=quarter.financial_year)
    lines = fund_lines(
        quarter=quarter,
        pool_type=pool_type,
        organisation_id=organisation_id,
        thresholds=thresholds,
    )
    if not lines:
        return None
    reported = [line for line in lines if line.reported]
    totals = _totals(
        key=str(organisation_id),
        label=lines[0].organisation_name,
        description="",
        line_count=len(lines),
        reported_count=len(reported),
        budget=sum((line.budget if line.reported else line.annual_budget for line in lines), ZERO),
        reported_budget=sum((line.budget for line in reported), ZERO),
        actual=sum((line.actual_to_date for line in reported), ZERO),
        forecast=sum((line.forecast_outturn for line in reported), ZERO),
        thresholds=thresholds,
    )
    return LinesDetail(quarter, thresholds, totals, lines)


@dataclass(frozen=True)
class PoolDetail:
    quarter: Quarter
    thresholds: Thresholds
    pool: FigureTotals
    organisations: tuple[FigureTotals, ...]
    lines: tuple[LineFigures, ...]


def fund_pool_detail(*, quarter: Quarter, pool_type: str) -> PoolDetail | None:
    """One pool at a quarter: its organisations' totals and its lines. None if it has no lines."""
    thresholds = variance_thresholds_for(financial_year=quarter.financial_year)
    organisations = _group_totals(
        quarter=quarter,
        thresholds=thresholds,
        group=("host_organisation_id", "host_organisation__name"),
        order=("host_organisation__name",),
        key="host_organisation_id",
        label="host_organisation__name",
        filters=Q(pool__pool_type=pool_type),
    )
    if not organisations:
        return None
    lines = fund_lines(quarter=quarter, pool_type=pool_type, thresholds=thresholds)
    pool = _totals_combined(
        organisations, thresholds, key=pool_type, label=lines[0].pool_name if lines else pool_type
    )
    return PoolDetail(quarter, thresholds, pool, organisations, lines)


def fund_lines(
    *,
    quarter: Quarter,
    pool_type: str | None = None,
    organisation_id: int | None = None,
    thresholds: Thresholds | None = None,
) -> tuple[LineFigures, ...]:
    """The year's budget lines with their figures at the quarter, optionally for one pool or
    one host organisation. Two queries (one if `thresholds` is given)."""
    if thresholds is None:
        thresholds = variance_thresholds_for(financial_year=quarter.financial_year)
    lines = _lines_at(quarter).filter(financial_year=quarter.financial_year)
    if pool_type:
        lines = lines.filter(pool__pool_type=pool_type)
    if organisation_id:
        lines = lines.filter(host_organisation_id=organisation_id)
    return tuple(_line_figures(line, quarter, thresholds) for line in lines)


def fund_largest_variances(
    *, quarter: Quarter, thresholds: Thresholds, limit: int = LARGEST_VARIANCES
) -> tuple[LineFigures, ...]:
    """The lines furthest from budget in pounds (over or under), with their explanations."""
    positions = (
        QuarterlyFinancialPosition.objects.filter(
            quarter=quarter, line__financial_year=quarter.financial_year
        )
        .annotate(size=Abs(F("forecast_outturn") - F("budget")))
        .exclude(size=0)
        .select_related("line__pool", "line__host_organisation", "line__programme", "batch")
        .order_by("-size", "line__service_area")[:limit]
    )
    return tuple(_position_figures(position, thresholds) for position in positions)


def fund_trend(*, financial_year: FinancialYear) -> tuple[TrendPoint, ...]:
    """The fund's totals at each quarter of the year (blank where nothing was reported)."""
    rows = {
        row["quarter"]: row
        for row in QuarterlyFinancialPosition.objects.filter(line__financial_year=financial_year)
        .values("quarter")
        .annotate(
            reported=Count("id"),
            budget=Sum("budget"),
            actual=Sum("actual_to_date"),
            forecast=Sum("forecast_outturn"),
        )
        .order_by("quarter")
    }
    points = []
    for quarter in financial_year.quarters:
        row = rows.get(quarter)
        points.append(
            TrendPoint(
                quarter=quarter,
                reported_count=row["reported"] if row else 0,
                budget=_money(row["budget"]) if row else None,
                actual_to_date=_money(row["actual"]) if row else None,
                forecast_outturn=_money(row["forecast"]) if row else None,
            )
        )
    return tuple(points)


@dataclass(frozen=True)
class LineHistoryEntry:
    """One saved version of a line's figures for a quarter."""

    quarter: Quarter
    version: int
    budget: Decimal
    actual_to_date: Decimal
    forecast_outturn: Decimal
    explanation: str
    changed_at: dt.datetime
    changed_by: str
    how: str


@dataclass(frozen=True)
class LineDetail:
    line: LineFigures  # at the requested quarter
    quarters: tuple[LineFigures, ...]  # every quarter of the year
    history: tuple[LineHistoryEntry, ...]


def fund_line_detail(*, line_id: int, quarter: Quarter | None = None) -> LineDetail | None:
    """A line's figures at each quarter of its year, and every saved version of them."""
    line = (
        BudgetLine.objects.select_related("pool", "host_organisation", "programme")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        return None
    thresholds = variance_thresholds_for(financial_year=line.financial_year)
    positions = {
        position.quarter: position
        for position in QuarterlyFinancialPosition.objects.filter(line=line).select_related("batch")
    }
    quarters = tuple(
        _figures(line, q, positions.get(q), thresholds) for q in line.financial_year.quarters
    )
    wanted = quarter if quarter in line.financial_year.quarters else None
    current = next((f for f in quarters if f.quarter == wanted), None) or next(
        (f for f in reversed(quarters) if f.reported), quarters[0]
    )
    history = tuple(
        LineHistoryEntry(
            quarter=record.quarter,
            version=record.version,
            budget=record.budget,
            actual_to_date=record.actual_to_date,
            forecast_outturn=record.forecast_outturn,
            explanation=record.explanation,
            changed_at=record.history_date,
            changed_by=_name(record.history_user),
            how=record.history_change_reason
            or (f"Uploaded in {record.batch.file_name}" if record.batch else "Saved"),
        )
        for record in QuarterlyFinancialPosition.history.filter(line_id=line.pk)
        .select_related("history_user", "batch")
        .order_by("-history_date", "-history_id")
    )
    return LineDetail(line=current, quarters=quarters, history=history)


# --- the overview and programme pages ------------------------------------------------------


@dataclass(frozen=True)
class FundPosition:
    """The fund's headline position for the overview."""

    quarter: Quarter
    signed_off: bool
    total: FigureTotals


def fund_overview_position() -> FundPosition | None:
    """The latest signed-off quarter's position, or the latest quarter with figures."""
    signed = (
        FinanceQuarter.objects.filter(state=FinanceQuarter.State.SIGNED_OFF)
        .order_by("-quarter")
        .values_list("quarter", flat=True)
        .first()
    )
    quarter = signed
    if quarter is None:
        quarter = QuarterlyFinancialPosition.objects.aggregate(latest=Max("quarter"))["latest"]
    if quarter is None:
        return None
    thresholds = variance_thresholds_for(financial_year=quarter.financial_year)
    pools = _group_totals(
        quarter=quarter,
        thresholds=thresholds,
        group=("pool__pool_type",),
        order=("pool__pool_type",),
        key="pool__pool_type",
        label="pool__pool_type",
    )
    total = _totals_combined(pools, thresholds, key="fund", label="Integrated Care Fund")
    return FundPosition(quarter=quarter, signed_off=signed is not None, total=total)


@dataclass(frozen=True)
class FundExceptions:
    """The fund as the Board's exceptions page needs it: the quarter shown (the asked-for
    quarter if it has figures, else the latest signed-off one, said so), and the budget lines
    whose forecast is beyond the amber threshold."""

    asked_for: Quarter
    quarter: Quarter | None
    signed_off: bool
    lines_beyond_tolerance: tuple[LineFigures, ...]

    @property
    def is_asked_for(self) -> bool:
        return self.quarter == self.asked_for


def fund_figures_quarter(*, quarter: Quarter) -> tuple[Quarter | None, bool]:
    """The quarter whose figures stand for `quarter`: itself when any line has figures for it,
    else the latest signed-off quarter before it, else the latest quarter with figures before
    it; and whether that quarter is signed off. Two queries."""
    if QuarterlyFinancialPosition.objects.filter(quarter=quarter).exists():
        shown = quarter
    else:
        shown = (
            FinanceQuarter.objects.filter(
                state=FinanceQuarter.State.SIGNED_OFF, quarter__lt=quarter
            )
            .order_by("-quarter")
            .values_list("quarter", flat=True)
            .first()
        ) or QuarterlyFinancialPosition.objects.filter(quarter__lt=quarter).aggregate(
            latest=Max("quarter")
        )["latest"]
    shown = _quarter(shown)
    if shown is None:
        return None, False
    signed = FinanceQuarter.objects.filter(
        quarter=shown, state=FinanceQuarter.State.SIGNED_OFF
    ).exists()
    return shown, signed


def fund_exceptions(*, quarter: Quarter) -> FundExceptions:
    """The budget lines beyond tolerance (Red) at the quarter that stands for `quarter`.
    At most five queries, however many lines."""
    shown, signed_off = fund_figures_quarter(quarter=quarter)
    lines: tuple[LineFigures, ...] = ()
    if shown is not None:
        lines = tuple(
            line for line in fund_lines(quarter=shown) if line.status == VarianceStatus.RED
        )
    return FundExceptions(
        asked_for=quarter, quarter=shown, signed_off=signed_off, lines_beyond_tolerance=lines
    )


def programme_budgets(*, financial_year: FinancialYear) -> dict[int, Decimal]:
    """Each programme's annual budget in the year: the sum of its budget lines. One query."""
    return {
        row["programme_id"]: _money(row["total"])
        for row in BudgetLine.objects.filter(financial_year=financial_year, programme__isnull=False)
        .values("programme_id")
        .annotate(total=Sum("annual_budget"))
        .order_by()
    }


@dataclass(frozen=True)
class ProgrammeBudgetLine:
    """A budget line that funds a programme, with its latest reported figures."""

    line_id: int
    financial_year: FinancialYear
    pool_name: str
    organisation_name: str
    service_area: str
    annual_budget: Decimal
    latest_quarter: Quarter | None
    forecast_outturn: Decimal | None
    explanation: str
    variance: Variance | None

    @property
    def status(self) -> VarianceStatus:
        return self.variance.status if self.variance else VarianceStatus.NOT_REPORTED


def budget_lines_for_programme(*, programme_id: int) -> tuple[ProgrammeBudgetLine, ...]:
    """The budget lines that fund a programme, newest year first, each with the figures of
    the latest quarter it reported. Two queries, however many lines."""
    latest = QuarterlyFinancialPosition.objects.filter(line=OuterRef("pk")).order_by("-quarter")
    lines = list(
        BudgetLine.objects.filter(programme_id=programme_id)
        .select_related("pool", "host_organisation")
        .annotate(
            latest_quarter=Subquery(latest.values("quarter")[:1]),
            latest_budget=Subquery(latest.values("budget")[:1]),
            latest_forecast=Subquery(latest.values("forecast_outturn")[:1]),
            latest_explanation=Subquery(latest.values("explanation")[:1]),
        )
        .order_by("-financial_year", "pool__order", "host_organisation__name", "service_area")
    )
    thresholds = _thresholds_for_years({line.financial_year for line in lines})
    result = []
    for line in lines:
        reported = line.latest_quarter is not None
        result.append(
            ProgrammeBudgetLine(
                line_id=line.pk,
                financial_year=line.financial_year,
                pool_name=line.pool.name,
                organisation_name=line.host_organisation.name,
                service_area=line.service_area,
                annual_budget=line.annual_budget,
                latest_quarter=_quarter(line.latest_quarter),
                forecast_outturn=_money(line.latest_forecast) if reported else None,
                explanation=line.latest_explanation or "",
                variance=variance_judge(
                    budget=_money(line.latest_budget),
                    forecast=_money(line.latest_forecast),
                    thresholds=thresholds[line.financial_year],
                )
                if reported
                else None,
            )
        )
    return tuple(result)


def programme_budget_lines_context(
    programme: Programme,
) -> dict[str, tuple[ProgrammeBudgetLine, ...]]:
    """The programme page's section on the fund (`finance/includes/programme_budget_lines.html`,
    registered in `finance.apps`): the budget lines that fund the programme."""
    return {"budget_lines": budget_lines_for_programme(programme_id=programme.pk)}


# --- efficiency schemes ----------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeRow:
    name: str
    recurrence: str
    recurrence_label: str
    target: Decimal
    identified: Decimal | None
    risk_adjusted: Decimal | None
    delivered_to_date: Decimal | None
    delivered_as_at: Quarter | None
    notes: str
    source: str


@dataclass(frozen=True)
class OrganisationSchemes:
    organisation_name: str
    organisation_short_name: str
    schemes: tuple[SchemeRow, ...]

    @property
    def target(self) -> Decimal:
        return sum((scheme.target for scheme in self.schemes), ZERO)

    @property
    def identified(self) -> Decimal | None:
        return _sum_known(scheme.identified for scheme in self.schemes)

    @property
    def risk_adjusted(self) -> Decimal | None:
        return _sum_known(scheme.risk_adjusted for scheme in self.schemes)

    @property
    def delivered_to_date(self) -> Decimal | None:
        return _sum_known(scheme.delivered_to_date for scheme in self.schemes)


@dataclass(frozen=True)
class EfficiencySummary:
    financial_year: FinancialYear
    organisations: tuple[OrganisationSchemes, ...]


def efficiency_summary(*, financial_year: FinancialYear) -> EfficiencySummary:
    """Each organisation's efficiency and savings schemes for the year. One query."""
    schemes = EfficiencyScheme.objects.filter(financial_year=financial_year).select_related(
        "organisation"
    )
    grouped: dict[int, list[EfficiencyScheme]] = {}
    for scheme in schemes.order_by("organisation__name", "order", "name"):
        grouped.setdefault(scheme.organisation_id, []).append(scheme)
    return EfficiencySummary(
        financial_year=financial_year,
        organisations=tuple(
            OrganisationSchemes(
                organisation_name=group[0].organisation.name,
                organisation_short_name=group[0].organisation.short_name,
                schemes=tuple(
                    SchemeRow(
                        name=s.name,
                        recurrence=s.recurrence,
                        recurrence_label=s.get_recurrence_display(),
                        target=s.target,
                        identified=s.identified,
                        risk_adjusted=s.risk_adjusted,
                        delivered_to_date=s.delivered_to_date,
                        delivered_as_at=s.delivered_as_at,
                        notes=s.notes,
                        source=s.source,
                    )
                    for s in group
                ),
            )
            for group in grouped.values()
        ),
    )


def efficiency_years() -> tuple[FinancialYear, ...]:
    return tuple(
        EfficiencyScheme.objects.order_by("-financial_year")
        .values_list("financial_year", flat=True)
        .distinct()
    )


# --- helpers ---------------------------------------------------------------------------------


def _lines_at(quarter: Quarter) -> QuerySet[BudgetLine]:
    """Budget lines with their position at `quarter` (if any) annotated alongside."""
    return (
        BudgetLine.objects.select_related("pool", "host_organisation", "programme")
        .annotate(
            at_quarter=FilteredRelation("positions", condition=Q(positions__quarter=quarter)),
            p_id=F("at_quarter__id"),
            p_budget=F("at_quarter__budget"),
            p_actual=F("at_quarter__actual_to_date"),
            p_forecast=F("at_quarter__forecast_outturn"),
            p_explanation=F("at_quarter__explanation"),
            p_version=F("at_quarter__version"),
            p_file=F("at_quarter__batch__file_name"),
        )
        .order_by("pool__order", "host_organisation__name", "service_area")
    )


def _line_figures(line: BudgetLine, quarter: Quarter, thresholds: Thresholds) -> LineFigures:
    reported = line.p_id is not None
    return _build_line_figures(
        line,
        quarter,
        thresholds,
        budget=_money(line.p_budget) if reported else None,
        actual=_money(line.p_actual) if reported else None,
        forecast=_money(line.p_forecast) if reported else None,
        explanation=line.p_explanation or "",
        version=line.p_version,
        source_file=line.p_file or "",
    )


def _position_figures(position: QuarterlyFinancialPosition, thresholds: Thresholds) -> LineFigures:
    return _figures(position.line, position.quarter, position, thresholds)


def _figures(
    line: BudgetLine,
    quarter: Quarter,
    position: QuarterlyFinancialPosition | None,
    thresholds: Thresholds,
) -> LineFigures:
    return _build_line_figures(
        line,
        quarter,
        thresholds,
        budget=position.budget if position else None,
        actual=position.actual_to_date if position else None,
        forecast=position.forecast_outturn if position else None,
        explanation=position.explanation if position else "",
        version=position.version if position else None,
        source_file=position.batch.file_name if position and position.batch else "",
    )


def _build_line_figures(
    line: BudgetLine,
    quarter: Quarter,
    thresholds: Thresholds,
    *,
    budget: Decimal | None,
    actual: Decimal | None,
    forecast: Decimal | None,
    explanation: str,
    version: int | None,
    source_file: str,
) -> LineFigures:
    variance = (
        variance_judge(budget=budget, forecast=forecast, thresholds=thresholds)
        if budget is not None and forecast is not None
        else None
    )
    return LineFigures(
        line_id=line.pk,
        financial_year=line.financial_year,
        quarter=quarter,
        pool_type=line.pool.pool_type,
        pool_name=line.pool.name,
        organisation_id=line.host_organisation_id,
        organisation_name=line.host_organisation.name,
        organisation_short_name=line.host_organisation.short_name,
        service_area=line.service_area,
        programme_name=line.programme.name if line.programme else "",
        programme_slug=line.programme.slug if line.programme else "",
        annual_budget=line.annual_budget,
        budget=budget,
        actual_to_date=actual,
        forecast_outturn=forecast,
        explanation=explanation,
        variance=variance,
        version=version,
        source_file=source_file,
    )


def _group_totals(
    *,
    quarter: Quarter,
    thresholds: Thresholds,
    group: tuple[str, ...],
    order: tuple[str, ...],
    key: str,
    label: str,
    description: str = "",
    filters: Q | None = None,
) -> tuple[FigureTotals, ...]:
    """The year's lines grouped (by pool or organisation) with their figures at the quarter,
    summed in one query."""
    lines = BudgetLine.objects.filter(financial_year=quarter.financial_year)
    if filters is not None:
        lines = lines.filter(filters)
    rows = (
        lines.annotate(
            at_quarter=FilteredRelation("positions", condition=Q(positions__quarter=quarter))
        )
        .values(*group)
        .annotate(
            lines=Count("id"),
            reported=Count("at_quarter__id"),
            budget=Sum(Coalesce("at_quarter__budget", "annual_budget")),
            reported_budget=Sum("at_quarter__budget"),
            actual=Sum("at_quarter__actual_to_date"),
            forecast=Sum("at_quarter__forecast_outturn"),
        )
        .order_by(*order)
    )
    return tuple(
        _totals(
            key=str(row[key]),
            label=str(row[label]),
            description=row[description] if description else "",
            line_count=row["lines"],
            reported_count=row["reported"],
            budget=_money(row["budget"]),
            reported_budget=_money(row["reported_budget"]),
            actual=_money(row["actual"]),
            forecast=_money(row["forecast"]),
            thresholds=thresholds,
        )
        for row in rows
    )


def _totals_combined(
    parts: Iterable[FigureTotals], thresholds: Thresholds, *, key: str, label: str
) -> FigureTotals:
    parts = tuple(parts)
    return _totals(
        key=key,
        label=label,
        description="",
        line_count=sum(part.line_count for part in parts),
        reported_count=sum(part.reported_count for part in parts),
        budget=sum((part.budget for part in parts), ZERO),
        reported_budget=sum((part.reported_budget for part in parts), ZERO),
        actual=sum((part.actual_to_date for part in parts), ZERO),
        forecast=sum((part.forecast_outturn for part in parts), ZERO),
        thresholds=thresholds,
    )


def _totals(
    *,
    key: str,
    label: str,
    description: str,
    line_count: int,
    reported_count: int,
    budget: Decimal,
    reported_budget: Decimal,
    actual: Decimal,
    forecast: Decimal,
    thresholds: Thresholds,
) -> FigureTotals:
    return FigureTotals(
        key=key,
        label=label,
        description=description,
        line_count=line_count,
        reported_count=reported_count,
        budget=budget,
        reported_budget=reported_budget,
        actual_to_date=actual,
        forecast_outturn=forecast,
        variance=variance_judge(budget=reported_budget, forecast=forecast, thresholds=thresholds)
        if reported_count
        else None,
    )


def _thresholds_for_years(years: set[FinancialYear]) -> dict[FinancialYear, Thresholds]:
    found = (
        {
            row.financial_year: Thresholds(row.green_within_percent, row.amber_within_percent)
            for row in VarianceThresholds.objects.filter(financial_year__in=years)
        }
        if years
        else {}
    )
    return {year: found.get(year, Thresholds()) for year in years}


def _quarter(value: Quarter | dt.date | None) -> Quarter | None:
    if value is None or isinstance(value, Quarter):
        return value
    return Quarter.containing(value)


def _sum_known(values: Iterable[Decimal | None]) -> Decimal | None:
    known = [value for value in values if value is not None]
    return sum(known, ZERO) if known else None
