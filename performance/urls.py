from django.urls import include, path

from performance import import_urls, views

app_name = "performance"
urlpatterns = [
    path("", views.HighlightReportView.as_view(), name="highlights"),
    path("imports/", include(import_urls.urlpatterns)),
]
