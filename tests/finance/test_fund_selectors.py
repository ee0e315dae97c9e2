from decimal import Decimal

import pytest

from bury_hc.periods import FinancialYear
from finance import selectors
from tests.factories import BudgetLineFactory, BudgetPoolFactory


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
