from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from finance import models


@admin.register(models.BudgetPool)
class BudgetPoolAdmin(admin.ModelAdmin):
    list_display = ["name", "pool_type", "order"]


@admin.register(models.BudgetLine)
class BudgetLineAdmin(SimpleHistoryAdmin):
    list_display = [
        "service_area",
        "pool",
        "host_organisation",
        "financial_year",
        "annual_budget",
        "programme",
    ]
    list_filter = ["pool", "host_organisation", "financial_year"]
    list_select_related = ["pool", "host_organisation", "programme"]
    search_fields = ["service_area"]


@admin.register(models.QuarterlyFinancialPosition)
class QuarterlyFinancialPositionAdmin(SimpleHistoryAdmin):
    """Read-only here: figures change through the entry form or an upload, which check the
    quarter's sign-off and the version; the admin would bypass both."""

    list_display = ["line", "quarter", "budget", "actual_to_date", "forecast_outturn", "version"]
    list_filter = ["quarter", "line__pool", "line__host_organisation"]
    list_select_related = ["line", "line__host_organisation"]
    readonly_fields = [
        "line",
        "quarter",
        "budget",
        "actual_to_date",
        "forecast_outturn",
        "explanation",
        "batch",
        "version",
        "updated_by",
        "updated_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.FinanceQuarter)
class FinanceQuarterAdmin(SimpleHistoryAdmin):
    """Read-only here: sign-off and reopening go through the finance lead's pages."""

    list_display = ["quarter", "state", "signed_off_by", "signed_off_at", "reopened_at"]
    readonly_fields = [
        "quarter",
        "state",
        "signed_off_by",
        "signed_off_at",
        "reopened_by",
        "reopened_at",
        "reopen_reason",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(models.VarianceThresholds)
class VarianceThresholdsAdmin(SimpleHistoryAdmin):
    list_display = ["financial_year", "green_within_percent", "amber_within_percent", "updated_at"]


@admin.register(models.EfficiencyScheme)
class EfficiencySchemeAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "organisation",
        "financial_year",
        "recurrence",
        "target",
        "identified",
        "risk_adjusted",
        "delivered_to_date",
    ]
    list_filter = ["financial_year", "organisation", "recurrence"]
    list_select_related = ["organisation"]
    search_fields = ["name"]
