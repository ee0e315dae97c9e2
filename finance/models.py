"""The Integrated Care Fund under the section 75 agreement: pooled, aligned and in-view budgets.

Money is `Decimal` in pounds and pence everywhere (DecimalField); never float.
"""

from django.db import models
from django.db.models import Q

from bury_hc.fields import FinancialYearField, QuarterField

MONEY = {"max_digits": 14, "decimal_places": 2}


class BudgetPool(models.Model):
    """One of the fund's three parts."""

    class Type(models.TextChoices):
        POOLED = "pooled", "Pooled"
        ALIGNED = "aligned", "Aligned"
        IN_VIEW = "in_view", "In view"

    pool_type = models.CharField(max_length=10, choices=Type.choices, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class BudgetLine(models.Model):
    """A budget within a pool for one financial year: who hosts it, what it pays for."""

    pool = models.ForeignKey(BudgetPool, on_delete=models.PROTECT, related_name="lines")
    financial_year = FinancialYearField()
    host_organisation = models.ForeignKey(
        "plans.Organisation", on_delete=models.PROTECT, related_name="budget_lines"
    )
    service_area = models.CharField(max_length=160)
    programme = models.ForeignKey(
        "programmes.Programme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    annual_budget = models.DecimalField(**MONEY)
    batch = models.ForeignKey(
        "bury_hc.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pool", "host_organisation", "service_area"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "financial_year", "host_organisation", "service_area"],
                name="unique_budget_line",
            ),
            models.CheckConstraint(condition=Q(annual_budget__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.service_area} ({self.host_organisation.short_name}, {self.financial_year})"


class QuarterlyFinancialPosition(models.Model):
    """A budget line's position reported at the end of a quarter: spend to date and forecast."""

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="positions")
    quarter = QuarterField()
    budget = models.DecimalField(**MONEY, help_text="Budget at the quarter, after any virements.")
    actual_to_date = models.DecimalField(**MONEY)
    forecast_outturn = models.DecimalField(**MONEY)
    explanation = models.TextField(blank=True)
    batch = models.ForeignKey(
        "bury_hc.ImportBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="Guards against lost updates.")

    class Meta:
        ordering = ["line", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["line", "quarter"], name="one_position_per_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.line} at {self.quarter}"
