from django.urls import path

from board import views

# Not namespaced: every page links to the overview as {% url 'overview' %}.
urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
]
