"""URLs of the import pages (names start with `import_`); included by performance/urls.py."""

from django.urls import path

from performance import import_views as views

urlpatterns = [
    path("", views.ImportListView.as_view(), name="import_list"),
    path("new/", views.UploadView.as_view(), name="import_upload"),
    path("template.csv", views.ImportTemplateView.as_view(), name="import_template"),
    path("<int:pk>/", views.CheckView.as_view(), name="import_check"),
    path("<int:pk>/mapping/", views.MappingView.as_view(), name="import_mapping"),
    path("<int:pk>/confirm/", views.ConfirmView.as_view(), name="import_confirm"),
    path("<int:pk>/progress/", views.ProgressView.as_view(), name="import_progress"),
    path("<int:pk>/result/", views.ResultView.as_view(), name="import_result"),
    path("batches/<int:pk>/rollback/", views.RollbackView.as_view(), name="import_rollback"),
]
