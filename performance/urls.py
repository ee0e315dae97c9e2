from django.urls import path

from performance import views

app_name = "performance"
urlpatterns = [
    path("", views.HighlightReportView.as_view(), name="highlights"),
]
