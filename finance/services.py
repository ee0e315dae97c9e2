"""Writes to the Integrated Care Fund: its pools and annual budget lines.

Money is `Decimal` pounds. The `*_upsert` functions are keyed on natural keys and idempotent:
they create what is missing, save only fields whose values differ, and report "created",
"updated" or "unchanged". Quarterly positions are written elsewhere.
"""

from __future__ import annotations

from decimal import Decimal

from bury_hc.models import ImportBatch
from bury_hc.periods import FinancialYear
from bury_hc.services import Change, record_upsert
from finance.models import BudgetLine, BudgetPool
from plans.models import Organisation
from programmes.models import Programme


def budget_pool_upsert(
    *, pool_type: BudgetPool.Type | str, name: str, description: str, order: int = 0
) -> tuple[BudgetPool, Change]:
    """Create or update the pool of this type (pooled, aligned or in view)."""
    return record_upsert(
        BudgetPool,
        lookup={"pool_type": BudgetPool.Type(pool_type)},
        values={"name": name, "description": description, "order": order},
    )


def budget_line_upsert(
    *,
    pool: BudgetPool,
    financial_year: FinancialYear,
    host_organisation: Organisation,
    service_area: str,
    annual_budget: Decimal,
    programme: Programme | None = None,
    batch: ImportBatch | None = None,
) -> tuple[BudgetLine, Change]:
    """Create or update a pool's budget line for a year, host and service area."""
    return record_upsert(
        BudgetLine,
        lookup={
            "pool": pool,
            "financial_year": financial_year,
            "host_organisation": host_organisation,
            "service_area": service_area,
        },
        values={"annual_budget": annual_budget, "programme": programme, "batch": batch},
    )
