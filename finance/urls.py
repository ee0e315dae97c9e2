from django.urls import path

from finance import views

app_name = "finance"
urlpatterns = [
    path("", views.FundSummaryView.as_view(), name="fund"),
    path("efficiency/", views.EfficiencyView.as_view(), name="efficiency"),
    path("thresholds/<financial_year:year>/", views.ThresholdsView.as_view(), name="thresholds"),
    path("lines/<int:pk>/", views.LineDetailView.as_view(), name="line"),
    path("<quarter:quarter>/", views.QuarterView.as_view(), name="quarter"),
    path(
        "<quarter:quarter>/sign-off/",
        views.QuarterSignOffView.as_view(),
        name="sign_off",
    ),
    path("<quarter:quarter>/reopen/", views.QuarterReopenView.as_view(), name="reopen"),
    path(
        "<quarter:quarter>/pools/<slug:pool_type>/",
        views.PoolDetailView.as_view(),
        name="pool",
    ),
    path(
        "<quarter:quarter>/pools/<slug:pool_type>/organisations/<int:organisation_id>/",
        views.OrganisationLinesView.as_view(),
        name="pool_organisation",
    ),
    path("<quarter:quarter>/entry/", views.QuarterEntryView.as_view(), name="entry"),
    path(
        "<quarter:quarter>/lines/<int:pk>/edit/",
        views.PositionEditView.as_view(),
        name="position_edit",
    ),
    path("<quarter:quarter>/upload/", views.PositionUploadView.as_view(), name="upload"),
    path(
        "<quarter:quarter>/upload/template.csv",
        views.UploadTemplateView.as_view(),
        name="upload_template",
    ),
]
