from django.urls import include, path

from performance import import_urls, views

app_name = "performance"
urlpatterns = [
    path("", views.HighlightReportView.as_view(), name="highlights"),
    path("sections/<slug:section>/", views.SectionView.as_view(), name="section"),
    path(
        "sections/<slug:section>/<quarter:quarter>/commentary/",
        views.SectionCommentaryEditView.as_view(),
        name="commentary_edit",
    ),
    path("measures/", views.MeasureListView.as_view(), name="measures"),
    path("measures/new/", views.MeasureFormView.as_view(), name="measure_new"),
    path("measures/<str:code>/", views.MeasureDetailView.as_view(), name="measure"),
    path("measures/<str:code>/edit/", views.MeasureFormView.as_view(), name="measure_edit"),
    path("measures/<str:code>/targets/new/", views.TargetAddView.as_view(), name="target_new"),
    path("measures/<str:code>/notes/new/", views.AnnotationAddView.as_view(), name="note_new"),
    path("imports/", include(import_urls.urlpatterns)),
]
