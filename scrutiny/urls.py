from django.urls import path

from scrutiny import views

app_name = "scrutiny"
urlpatterns = [
    path("", views.CommitteeListView.as_view(), name="committees"),
    path("packs/", views.PackListView.as_view(), name="packs"),
    path("meetings/<int:meeting_id>/packs/new/", views.PackCreateView.as_view(), name="pack_new"),
    path("packs/<int:pk>/", views.PackDetailView.as_view(), name="pack"),
    path("packs/<int:pk>/edit/", views.PackEditView.as_view(), name="pack_edit"),
    path("packs/<int:pk>/preview/", views.PackPreviewView.as_view(), name="pack_preview"),
    path("packs/<int:pk>/publish/", views.PackPublishView.as_view(), name="pack_publish"),
    path("packs/<int:pk>/exports/", views.PackExportView.as_view(), name="pack_export"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
    path("exports/<int:pk>/retry/", views.ExportRetryView.as_view(), name="export_retry"),
]
