from django.urls import path, register_converter

from bury_hc.periods import FinancialYear, PeriodParseError, Quarter
from finance import views


class QuarterConverter:
    """2021-22-Q2 in a URL; a `Quarter` in the view."""

    regex = r"\d{4}-\d{2}-Q[1-4]"

    def to_python(self, value: str) -> Quarter:
        try:
            return Quarter.from_code(value)
        except PeriodParseError as exc:
            raise ValueError(str(exc)) from exc

    def to_url(self, value: Quarter | str) -> str:
        return value.code if isinstance(value, Quarter) else str(value)


class FinancialYearConverter:
    """2021-22 in a URL; a `FinancialYear` in the view."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> FinancialYear:
        try:
            return FinancialYear.parse(value)
        except PeriodParseError as exc:
            raise ValueError(str(exc)) from exc

    def to_url(self, value: FinancialYear | str) -> str:
        if isinstance(value, FinancialYear):
            return f"{value.start_year}-{(value.start_year + 1) % 100:02d}"
        return str(value)


register_converter(QuarterConverter, "finance_quarter")
register_converter(FinancialYearConverter, "finance_year")

app_name = "finance"
urlpatterns = [
    path("", views.FundSummaryView.as_view(), name="fund"),
    path("efficiency/", views.EfficiencyView.as_view(), name="efficiency"),
    path("thresholds/<finance_year:year>/", views.ThresholdsView.as_view(), name="thresholds"),
    path("lines/<int:pk>/", views.LineDetailView.as_view(), name="line"),
    path("<finance_quarter:quarter>/", views.QuarterView.as_view(), name="quarter"),
    path(
        "<finance_quarter:quarter>/sign-off/",
        views.QuarterSignOffView.as_view(),
        name="sign_off",
    ),
    path("<finance_quarter:quarter>/reopen/", views.QuarterReopenView.as_view(), name="reopen"),
    path(
        "<finance_quarter:quarter>/pools/<slug:pool_type>/",
        views.PoolDetailView.as_view(),
        name="pool",
    ),
    path(
        "<finance_quarter:quarter>/pools/<slug:pool_type>/organisations/<int:organisation_id>/",
        views.OrganisationLinesView.as_view(),
        name="pool_organisation",
    ),
    path("<finance_quarter:quarter>/entry/", views.QuarterEntryView.as_view(), name="entry"),
    path(
        "<finance_quarter:quarter>/lines/<int:pk>/edit/",
        views.PositionEditView.as_view(),
        name="position_edit",
    ),
    path("<finance_quarter:quarter>/upload/", views.PositionUploadView.as_view(), name="upload"),
    path(
        "<finance_quarter:quarter>/upload/template.csv",
        views.UploadTemplateView.as_view(),
        name="upload_template",
    ),
]
