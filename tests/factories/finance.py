"""Factories for the Integrated Care Fund: positions, quarters, thresholds, schemes, and finance
staff with their organisation."""

from __future__ import annotations

from decimal import Decimal

import factory

from bury_hc.periods import FinancialYear, Quarter
from bury_hc.roles import Role
from plans.models import StaffProfile
from tests.factories import (
    BudgetLineFactory,
    BudgetPoolFactory,
    OrganisationFactory,
    user_with_role,
)

__all__ = [
    "BudgetLineFactory",
    "BudgetPoolFactory",
    "EfficiencySchemeFactory",
    "FinanceQuarterFactory",
    "OrganisationFactory",
    "PositionFactory",
    "VarianceThresholdsFactory",
    "finance_user",
]


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "finance.QuarterlyFinancialPosition"

    line = factory.SubFactory(BudgetLineFactory)
    quarter = Quarter(2021, 1)
    budget = factory.LazyAttribute(lambda position: position.line.annual_budget)
    actual_to_date = factory.LazyAttribute(lambda position: position.budget / 4)
    forecast_outturn = factory.LazyAttribute(lambda position: position.budget)


class VarianceThresholdsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "finance.VarianceThresholds"
        django_get_or_create = ["financial_year"]

    financial_year = FinancialYear(2021)
    green_within_percent = Decimal("1.00")
    amber_within_percent = Decimal("3.00")


class FinanceQuarterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "finance.FinanceQuarter"
        django_get_or_create = ["quarter"]

    quarter = Quarter(2021, 1)
    state = "draft"


class EfficiencySchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "finance.EfficiencyScheme"

    organisation = factory.SubFactory(OrganisationFactory)
    financial_year = FinancialYear(2021)
    name = factory.Sequence(lambda n: f"Scheme {n}")
    target = Decimal("1000000.00")


def finance_user(role: Role | None, organisation=None, **kwargs):
    """A user with a role and, if given, a staff profile at `organisation`."""
    user = user_with_role(role, **kwargs)
    if organisation is not None:
        StaffProfile.objects.update_or_create(user=user, defaults={"organisation": organisation})
    return user
