"""The Integrated Care Fund under the section 75 agreement: pooled, aligned and in-view budgets.

Money is `Decimal` in pounds and pence everywhere (DecimalField); never float.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

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
    history = HistoricalRecords()

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
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["line", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["line", "quarter"], name="one_position_per_quarter"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="position_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.line} at {self.quarter}"


class VarianceThresholds(models.Model):
    """The finance team's tolerances for a financial year: how far (per cent, over or under)
    a forecast may be from budget and still be green, or amber. Beyond amber is red."""

    financial_year = FinancialYearField(unique=True)
    green_within_percent = models.DecimalField(max_digits=5, decimal_places=2)
    amber_within_percent = models.DecimalField(max_digits=5, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["financial_year"]
        verbose_name = "variance thresholds"
        verbose_name_plural = "variance thresholds"
        constraints = [
            models.CheckConstraint(
                condition=Q(green_within_percent__gte=0)
                & Q(amber_within_percent__gte=models.F("green_within_percent")),
                name="thresholds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.financial_year}: green within {self.green_within_percent}%, "
            f"amber within {self.amber_within_percent}%"
        )


class FinanceQuarter(models.Model):
    """The fund's position for a quarter: drafted by the finance officers, then signed off by
    the finance lead. Sign-off locks the quarter's figures; reopening needs a recorded reason."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED_OFF = "signed_off", "Signed off"

    quarter = QuarterField(unique=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["quarter"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state="signed_off", signed_off_by__isnull=False, signed_off_at__isnull=False)
                    | Q(state="draft", signed_off_by__isnull=True, signed_off_at__isnull=True)
                ),
                name="finance_quarter_sign_off_recorded",
            ),
            models.CheckConstraint(
                condition=(
                    Q(reopened_at__isnull=True, reopened_by__isnull=True, reopen_reason="")
                    | (
                        Q(reopened_at__isnull=False, reopened_by__isnull=False)
                        & ~Q(reopen_reason="")
                    )
                ),
                name="finance_quarter_reopen_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} ({self.get_state_display()})"

    @property
    def is_signed_off(self) -> bool:
        return self.state == self.State.SIGNED_OFF


class EfficiencyScheme(models.Model):
    """An organisation's efficiency or savings scheme for a financial year.

    `identified`, `risk_adjusted` and `delivered_to_date` are blank where nothing is known
    (a blank is not a zero). `delivered_as_at` says which quarter `delivered_to_date` is for.
    """

    class Recurrence(models.TextChoices):
        RECURRENT = "recurrent", "Recurrent"
        NON_RECURRENT = "non_recurrent", "Non-recurrent"
        NOT_STATED = "not_stated", "Not stated"

    organisation = models.ForeignKey(
        "plans.Organisation", on_delete=models.PROTECT, related_name="efficiency_schemes"
    )
    financial_year = FinancialYearField()
    name = models.CharField(max_length=200)
    recurrence = models.CharField(
        max_length=20, choices=Recurrence.choices, default=Recurrence.NOT_STATED
    )
    target = models.DecimalField(**MONEY)
    identified = models.DecimalField(**MONEY, null=True, blank=True)
    risk_adjusted = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Identified savings after adjusting for risk."
    )
    delivered_to_date = models.DecimalField(**MONEY, null=True, blank=True)
    delivered_as_at = QuarterField(null=True, blank=True)
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["financial_year", "organisation", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "financial_year", "name"], name="unique_efficiency_scheme"
            ),
            models.CheckConstraint(condition=Q(target__gte=0), name="scheme_target_not_negative"),
            models.CheckConstraint(
                condition=Q(delivered_to_date__isnull=True) | Q(delivered_as_at__isnull=False),
                name="scheme_delivery_has_quarter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.short_name}, {self.financial_year})"
