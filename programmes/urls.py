from django.urls import path

from programmes import views

app_name = "programmes"

update = "milestones/<int:pk>/updates/<quarter:quarter>/"
urlpatterns = [
    path("", views.ProgrammeListView.as_view(), name="list"),
    path("updates/", views.UpdatesView.as_view(), name="updates"),
    path("completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("cycles/", views.CycleListView.as_view(), name="cycles"),
    path("cycles/new/", views.CycleEditView.as_view(), name="cycle_create"),
    path("cycles/<quarter:quarter>/", views.CycleEditView.as_view(), name="cycle_edit"),
    path(
        "milestone-plan-template.csv",
        views.MilestonePlanTemplateView.as_view(),
        name="plan_template",
    ),
    path("milestones/<int:pk>/", views.MilestoneDetailView.as_view(), name="milestone_detail"),
    path("milestones/<int:pk>/edit/", views.MilestoneEditView.as_view(), name="milestone_edit"),
    path(update, views.UpdateDetailView.as_view(), name="update_detail"),
    path(f"{update}edit/", views.UpdateEditView.as_view(), name="update_edit"),
    path(f"{update}submit/", views.UpdateSubmitView.as_view(), name="update_submit"),
    path(f"{update}approve/", views.UpdateApproveView.as_view(), name="update_approve"),
    path(f"{update}return/", views.UpdateReturnView.as_view(), name="update_return"),
    path(f"{update}reopen/", views.UpdateReopenView.as_view(), name="update_reopen"),
    path("<slug:slug>/", views.ProgrammeDetailView.as_view(), name="detail"),
    path(
        "<slug:slug>/milestones/new/", views.MilestoneCreateView.as_view(), name="milestone_create"
    ),
    path(
        "<slug:slug>/milestones/upload/",
        views.MilestonePlanUploadView.as_view(),
        name="plan_upload",
    ),
]
