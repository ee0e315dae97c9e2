from django.urls import path

from performance.views import imports, measures

app_name = "performance"
urlpatterns = [
    path("", measures.HighlightReportView.as_view(), name="highlights"),
    path("sections/<slug:section>/", measures.SectionView.as_view(), name="section"),
    path(
        "sections/<slug:section>/<quarter:quarter>/commentary/",
        measures.SectionCommentaryEditView.as_view(),
        name="commentary_edit",
    ),
    path("measures/", measures.MeasureListView.as_view(), name="measures"),
    path("measures/new/", measures.MeasureFormView.as_view(), name="measure_new"),
    path("measures/<str:code>/", measures.MeasureDetailView.as_view(), name="measure"),
    path("measures/<str:code>/edit/", measures.MeasureFormView.as_view(), name="measure_edit"),
    path("measures/<str:code>/targets/new/", measures.TargetAddView.as_view(), name="target_new"),
    path("measures/<str:code>/notes/new/", measures.AnnotationAddView.as_view(), name="note_new"),
    # The import pages: history, upload, mapping, check, confirm, progress, result, rollback.
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/new/", imports.UploadView.as_view(), name="import_upload"),
    path("imports/template.csv", imports.ImportTemplateView.as_view(), name="import_template"),
    path(
        "imports/profiles/<int:pk>.yaml",
        imports.MappingProfileExportView.as_view(),
        name="import_profile_export",
    ),
    path("imports/<int:pk>/", imports.CheckView.as_view(), name="import_check"),
    path("imports/<int:pk>/mapping/", imports.MappingView.as_view(), name="import_mapping"),
    path("imports/<int:pk>/confirm/", imports.ConfirmView.as_view(), name="import_confirm"),
    path("imports/<int:pk>/retry/", imports.RetryView.as_view(), name="import_retry"),
    path("imports/<int:pk>/progress/", imports.ProgressView.as_view(), name="import_progress"),
    path("imports/<int:pk>/result/", imports.ResultView.as_view(), name="import_result"),
    path("imports/<int:pk>/quality/", imports.QualityView.as_view(), name="import_quality"),
    path(
        "imports/batches/<int:pk>/rollback/",
        imports.RollbackView.as_view(),
        name="import_rollback",
    ),
]
