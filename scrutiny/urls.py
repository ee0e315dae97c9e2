from django.urls import path

from scrutiny import views

app_name = "scrutiny"
urlpatterns = [
    path("", views.CommitteeListView.as_view(), name="committees"),
]
