"""A small fund for the finance tests: two host organisations (the council and NHS GM),
lines in two pools for 2021/22, thresholds of 1% and 3%, and finance staff."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from bury_hc.periods import Quarter
from bury_hc.roles import Role
from tests.factories.finance import (
    BudgetLineFactory,
    BudgetPoolFactory,
    OrganisationFactory,
    VarianceThresholdsFactory,
    finance_user,
)

Q1 = Quarter(2021, 1)
Q2 = Quarter(2021, 2)


@dataclass
class Fund:
    council: object
    nhs: object
    pooled: object
    aligned: object
    council_line: object  # pooled, Bury Council, £1,000,000
    nhs_line: object  # pooled, NHS GM (Bury), £2,000,000
    aligned_line: object  # aligned, NHS GM (Bury), £500,000
    council_officer: object
    nhs_officer: object
    lead: object


@pytest.fixture
def fund(db) -> Fund:
    council = OrganisationFactory(name="Bury Council", short_name="Bury Council")
    nhs = OrganisationFactory(
        name="NHS Greater Manchester (Bury)", short_name="NHS GM (Bury)", kind="nhs_commissioner"
    )
    pooled = BudgetPoolFactory(pool_type="pooled", name="Pooled budget", order=1)
    aligned = BudgetPoolFactory(pool_type="aligned", name="Aligned budget", order=2)
    VarianceThresholdsFactory()
    return Fund(
        council=council,
        nhs=nhs,
        pooled=pooled,
        aligned=aligned,
        council_line=BudgetLineFactory(
            pool=pooled,
            host_organisation=council,
            service_area="Public health",
            annual_budget=Decimal("1000000.00"),
        ),
        nhs_line=BudgetLineFactory(
            pool=pooled,
            host_organisation=nhs,
            service_area="Continuing health care",
            annual_budget=Decimal("2000000.00"),
        ),
        aligned_line=BudgetLineFactory(
            pool=aligned,
            host_organisation=nhs,
            service_area="Primary care prescribing",
            annual_budget=Decimal("500000.00"),
        ),
        council_officer=finance_user(Role.FINANCE_OFFICER, council, username="finance.council"),
        nhs_officer=finance_user(Role.FINANCE_OFFICER, nhs, username="finance.nhs"),
        lead=finance_user(Role.FINANCE_LEAD, council, username="finance.lead"),
    )
