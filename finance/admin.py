from django.contrib import admin

from finance import models


@admin.register(models.BudgetPool)
class BudgetPoolAdmin(admin.ModelAdmin):
    list_display = ["name", "pool_type", "order"]


@admin.register(models.BudgetLine)
class BudgetLineAdmin(admin.ModelAdmin):
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
class QuarterlyFinancialPositionAdmin(admin.ModelAdmin):
    list_display = ["line", "quarter", "budget", "actual_to_date", "forecast_outturn"]
    list_select_related = ["line", "line__host_organisation"]
