"""Reads of the Integrated Care Fund."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Sum

from bury_hc.periods import FinancialYear
from finance.models import BudgetLine, BudgetPool


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
