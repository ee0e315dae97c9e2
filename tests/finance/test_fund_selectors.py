"""The fund's selectors: sums in Decimal, statuses from the year's thresholds, and query
counts that do not grow with the number of budget lines."""

import dataclasses
from decimal import Decimal

import pytest
from django.utils import timezone

from bury_hc.periods import FinancialYear, Quarter
from finance import selectors
from finance.variance import VarianceStatus
from tests.factories import BudgetLineFactory, BudgetPoolFactory, ProgrammeFactory
from tests.factories.finance import (
    EfficiencySchemeFactory,
    FinanceQuarterFactory,
    PositionFactory,
)
from tests.finance.conftest import Q1, Q2


@pytest.mark.django_db
def test_fund_summary_sums_lines_per_pool_in_decimal(django_assert_num_queries):
    pooled = BudgetPoolFactory(pool_type="pooled", order=1)
    aligned = BudgetPoolFactory(pool_type="aligned", order=2)
    BudgetPoolFactory(pool_type="in_view", order=3)
    BudgetLineFactory(pool=pooled, annual_budget=Decimal("0.10"))
    BudgetLineFactory(pool=pooled, annual_budget=Decimal("0.20"))
    BudgetLineFactory(pool=aligned, annual_budget=Decimal("150000000.00"))
    BudgetLineFactory(pool=aligned, annual_budget=Decimal("5"), financial_year=FinancialYear(2022))

    with django_assert_num_queries(2):
        summary = selectors.fund_summary(financial_year=FinancialYear(2021))

    totals = {pool.pool_type: pool.annual_budget for pool in summary.pools}
    assert totals == {
        "pooled": Decimal("0.30"),  # exact: 0.1 + 0.2 in float would not be
        "aligned": Decimal("150000000.00"),
        "in_view": Decimal("0.00"),
    }
    assert summary.total == Decimal("150000000.30")
    assert all(isinstance(pool.annual_budget, Decimal) for pool in summary.pools)


@pytest.mark.django_db
def test_fund_latest_year_is_the_newest_with_lines():
    assert selectors.fund_latest_year() is None
    BudgetLineFactory(financial_year=FinancialYear(2021))
    BudgetLineFactory(financial_year=FinancialYear(2023))

    assert selectors.fund_latest_year() == FinancialYear(2023)


# --- the fund at a quarter -----------------------------------------------------------------


def grow(fund, count: int) -> None:
    """Add `count` more lines to each organisation, reported in Q1 and Q2."""
    for index in range(count):
        for organisation, pool in ((fund.council, fund.pooled), (fund.nhs, fund.aligned)):
            line = BudgetLineFactory(
                pool=pool,
                host_organisation=organisation,
                annual_budget=Decimal("100000.00"),
                programme=ProgrammeFactory() if index % 2 else None,
            )
            PositionFactory(line=line, quarter=Q1, forecast_outturn=Decimal("101500.00"))
            PositionFactory(
                line=line, quarter=Q2, forecast_outturn=Decimal("96000.00"), explanation="x"
            )


def money_values(value) -> list:
    """Every money-like value in a selector result (walking dataclasses and tuples)."""
    if isinstance(value, Quarter | FinancialYear):
        return []  # periods are integers by design, not money
    if dataclasses.is_dataclass(value):
        found = []
        for field in dataclasses.fields(value):
            if field.name in {
                "line_count",
                "reported_count",
                "line_id",
                "organisation_id",
                "version",
            }:
                continue
            found.extend(money_values(getattr(value, field.name)))
        return found
    if isinstance(value, tuple):
        return [item for element in value for item in money_values(element)]
    if isinstance(value, float | int) and not isinstance(value, bool):
        return [value]
    return [value] if isinstance(value, Decimal) else []


@pytest.mark.django_db
def test_fund_quarter_summary_totals_by_pool_and_organisation(fund):
    PositionFactory(
        line=fund.council_line,
        quarter=Q1,
        forecast_outturn=Decimal("1040000.00"),
        explanation="More demand",
    )
    PositionFactory(line=fund.nhs_line, quarter=Q1, forecast_outturn=Decimal("1980000.00"))
    PositionFactory(line=fund.aligned_line, quarter=Q1, forecast_outturn=Decimal("500000.00"))

    summary = selectors.fund_quarter_summary(quarter=Q1)

    pools = {pool.key: pool for pool in summary.pools}
    assert pools["pooled"].budget == Decimal("3000000.00")
    assert pools["pooled"].forecast_outturn == Decimal("3020000.00")
    assert pools["pooled"].variance.amount == Decimal("20000.00")
    assert pools["pooled"].status is VarianceStatus.GREEN  # +0.67%
    organisations = {group.label: group for group in summary.organisations}
    assert organisations["Bury Council"].status is VarianceStatus.RED  # +4%
    assert organisations["NHS Greater Manchester (Bury)"].variance.amount == Decimal("-20000.00")
    assert summary.total.budget == Decimal("3500000.00")
    assert summary.total.forecast_outturn == Decimal("3520000.00")
    assert [line.service_area for line in summary.largest_variances] == [
        "Public health",
        "Continuing health care",
    ]
    assert summary.largest_variances[0].explanation == "More demand"
    assert [point.forecast_outturn for point in summary.trend] == [
        Decimal("3520000.00"),
        None,
        None,
        None,
    ]


@pytest.mark.django_db
def test_fund_quarter_summary_counts_only_reported_lines_in_the_variance(fund):
    PositionFactory(line=fund.council_line, quarter=Q2, forecast_outturn=Decimal("1000000.00"))

    summary = selectors.fund_quarter_summary(quarter=Q2)

    assert summary.total.budget == Decimal("3500000.00")  # unreported lines at annual budget
    assert summary.total.reported_budget == Decimal("1000000.00")
    assert summary.total.variance.amount == Decimal("0.00")  # not a £2.5m "underspend"
    assert (summary.total.reported_count, summary.total.line_count) == (1, 3)
    assert not summary.total.is_complete
    aligned = next(pool for pool in summary.pools if pool.key == "aligned")
    assert aligned.variance is None
    assert aligned.status is VarianceStatus.NOT_REPORTED


@pytest.mark.django_db
def test_fund_sums_are_exact_decimals_where_float_would_drift(fund):
    # 0.1 added ten times is 0.9999999999999999 in float; the fund must say £1.00 exactly.
    drifting = 0.0
    for _ in range(10):
        drifting += 0.1
    assert drifting != 1.0
    for _ in range(10):
        line = BudgetLineFactory(
            pool=fund.aligned, host_organisation=fund.council, annual_budget=Decimal("0.10")
        )
        PositionFactory(
            line=line,
            quarter=Q1,
            budget=Decimal("0.10"),
            actual_to_date=Decimal("0.10"),
            forecast_outturn=Decimal("0.20"),
            explanation="x",
        )

    summary = selectors.fund_quarter_summary(quarter=Q1)

    council = next(group for group in summary.organisations if group.label == "Bury Council")
    assert council.reported_budget == Decimal("1.00")
    assert council.actual_to_date == Decimal("1.00")
    assert council.forecast_outturn == Decimal("2.00")
    assert council.variance.percent == Decimal("100")
    values = money_values(summary)
    assert values
    assert all(isinstance(value, Decimal) for value in values), {type(v) for v in values}


@pytest.mark.django_db
def test_fund_quarter_summary_query_count_does_not_grow_with_lines(fund, django_assert_num_queries):
    grow(fund, 2)
    with django_assert_num_queries(6):
        small = selectors.fund_quarter_summary(quarter=Q2)

    grow(fund, 20)
    with django_assert_num_queries(6):
        large = selectors.fund_quarter_summary(quarter=Q2)

    assert large.total.line_count == small.total.line_count + 40


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "call", "queries"),
    [
        ("lines", lambda fund: selectors.fund_lines(quarter=Q1), 2),
        ("pool", lambda fund: selectors.fund_pool_detail(quarter=Q1, pool_type="pooled"), 3),
        (
            "organisation",
            lambda fund: selectors.fund_organisation_lines(
                quarter=Q1, pool_type="aligned", organisation_id=fund.nhs.pk
            ),
            2,
        ),
        ("overview", lambda fund: selectors.fund_overview_position(), 3),
        (
            "programme",
            lambda fund: selectors.budget_lines_for_programme(
                programme_id=fund.council_line.programme_id
            ),
            2,
        ),
        (
            "efficiency",
            lambda fund: selectors.efficiency_summary(financial_year=FinancialYear(2021)),
            1,
        ),
        ("line", lambda fund: selectors.fund_line_detail(line_id=fund.nhs_line.pk), 4),
    ],
)
def test_selector_query_counts_do_not_grow_with_lines(
    fund, django_assert_num_queries, name, call, queries
):
    programme = ProgrammeFactory()
    fund.council_line.programme = programme
    fund.council_line.save()
    FinanceQuarterFactory(
        quarter=Q1, state="signed_off", signed_off_by=fund.lead, signed_off_at=timezone.now()
    )
    grow(fund, 2)
    EfficiencySchemeFactory(organisation=fund.council)
    with django_assert_num_queries(queries):
        call(fund)

    grow(fund, 15)
    for _ in range(10):
        line = BudgetLineFactory(
            pool=fund.pooled, host_organisation=fund.council, programme=programme
        )
        PositionFactory(line=line, quarter=Q1)
        EfficiencySchemeFactory(organisation=fund.nhs)
    for quarter in (Q1, Q2):
        PositionFactory(line=fund.nhs_line, quarter=quarter)
    with django_assert_num_queries(queries):
        call(fund)


@pytest.mark.django_db
def test_budget_lines_for_programme_show_the_latest_quarter_reported(fund):
    programme = ProgrammeFactory()
    fund.nhs_line.programme = programme
    fund.nhs_line.save()
    PositionFactory(line=fund.nhs_line, quarter=Q1, forecast_outturn=Decimal("2000000.00"))
    PositionFactory(
        line=fund.nhs_line,
        quarter=Q2,
        forecast_outturn=Decimal("2100000.00"),
        explanation="Discharge packages",
    )
    unreported = BudgetLineFactory(
        pool=fund.aligned,
        host_organisation=fund.council,
        programme=programme,
        service_area="Housing-related support",
    )

    lines = selectors.budget_lines_for_programme(programme_id=programme.pk)

    assert [line.service_area for line in lines] == [
        "Continuing health care",
        "Housing-related support",
    ]
    reported = lines[0]
    assert reported.latest_quarter == Q2
    assert reported.forecast_outturn == Decimal("2100000.00")
    assert reported.variance.percent == Decimal(5)
    assert reported.status is VarianceStatus.RED
    assert reported.explanation == "Discharge packages"
    assert lines[1].line_id == unreported.pk
    assert lines[1].latest_quarter is None
    assert lines[1].status is VarianceStatus.NOT_REPORTED
    assert selectors.budget_lines_for_programme(programme_id=programme.pk + 999) == ()


@pytest.mark.django_db
def test_overview_position_prefers_the_latest_signed_off_quarter(fund):
    PositionFactory(line=fund.council_line, quarter=Q1)
    PositionFactory(line=fund.council_line, quarter=Q2, forecast_outturn=Decimal("1005000.00"))

    latest = selectors.fund_overview_position()
    assert (latest.quarter, latest.signed_off) == (Q2, False)

    FinanceQuarterFactory(
        quarter=Q1, state="signed_off", signed_off_by=fund.lead, signed_off_at=timezone.now()
    )
    signed = selectors.fund_overview_position()
    assert (signed.quarter, signed.signed_off) == (Q1, True)
    assert signed.total.forecast_outturn == Decimal("1000000.00")


@pytest.mark.django_db
def test_overview_position_is_none_without_figures(fund):
    assert selectors.fund_overview_position() is None


@pytest.mark.django_db
def test_line_editable_only_by_a_finance_officer_of_its_host(fund):
    assert selectors.line_editable_by(user=fund.council_officer, line=fund.council_line)
    assert not selectors.line_editable_by(user=fund.council_officer, line=fund.nhs_line)
    assert selectors.line_editable_by(user=fund.nhs_officer, line=fund.nhs_line)
    assert not selectors.line_editable_by(user=fund.lead, line=fund.council_line)


@pytest.mark.django_db
def test_fund_quarters_lists_quarters_with_figures_newest_first(fund):
    assert selectors.fund_quarters() == ()
    PositionFactory(line=fund.council_line, quarter=Q1)
    PositionFactory(line=fund.nhs_line, quarter=Q2)
    PositionFactory(line=fund.aligned_line, quarter=Q2)
    FinanceQuarterFactory(quarter=Quarter(2021, 3))

    assert selectors.fund_quarters() == (Quarter(2021, 3), Q2, Q1)
