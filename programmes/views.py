"""Pages of programmes, milestones and the quarterly milestone cycle.

Every page needs a sign-in (LoginRequiredMiddleware) and declares the roles that may open it
(`allowed_roles`); object rules (a lead edits only their own programme's milestones, an
approver decides only for the programmes they approve) come from `programmes.rules` through
`selectors.actor_for`. Views parse, call one selector or service, and render or redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from bury_hc.converters import quarter_requested
from bury_hc.exports import csv_response
from bury_hc.imports import ImportRefused, problems_truncated
from bury_hc.models import ImportBatch
from bury_hc.periods import Quarter
from bury_hc.roles import Role, RoleRequiredMixin, user_has_role
from bury_hc.stale_edits import STALE_EDIT_STATUS, edit_differences, stale_edit_context
from bury_hc.uploads import UploadLimitMixin, file_upload_queue, upload_in_background
from programmes import rules, selectors, services, tasks
from programmes.forms import (
    MAX_UPLOAD_BYTES,
    CompletenessFilterForm,
    DecisionForm,
    MilestoneForm,
    MilestonePlanUploadForm,
    MilestoneUpdateForm,
    ReportingCycleForm,
    reopen_form,
    return_form,
)
from programmes.models import Milestone, MilestoneUpdate, Programme, ReportingCycle
from programmes.pages import programme_page_sections_render

READERS_OF_COMPLETENESS = (
    Role.PERFORMANCE_ANALYST,
    Role.BOARD_MEMBER,
    Role.SCRUTINY_OFFICER,
    Role.ADMINISTRATOR,
)


def _requested_quarter(request: HttpRequest) -> Quarter:
    return quarter_requested(request) or selectors.default_quarter()


# --- programmes ----------------------------------------------------------------------------


class ProgrammeListView(RoleRequiredMixin, TemplateView):
    template_name = "programmes/programme_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            programmes=selectors.programmes_for_overview(),
            can_see_completeness=user_has_role(self.request.user, *READERS_OF_COMPLETENESS),
            can_run_cycles=user_has_role(self.request.user, Role.PERFORMANCE_ANALYST),
            **kwargs,
        )


class ProgrammeDetailView(RoleRequiredMixin, TemplateView):
    """A programme's milestones for a quarter: this quarter's status, last quarter's, the trend
    in words, and counts by status."""

    template_name = "programmes/programme_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        quarter = _requested_quarter(self.request)
        try:
            page = selectors.programme_page(slug=self.kwargs["slug"], quarter=quarter)
        except Programme.DoesNotExist:
            raise Http404("There is no programme at this address.") from None
        actor = selectors.actor_for(user=self.request.user, programme=page.programme)
        return super().get_context_data(
            page=page,
            programme=page.programme,
            actor=actor,
            sections=programme_page_sections_render(programme=page.programme, request=self.request),
            **kwargs,
        )


# --- milestones -------------------------------------------------------------------------------


class ProgrammeEditorMixin(RoleRequiredMixin):
    """Pages that change a programme's milestones (the programme named by the address's slug):
    its leads and the performance team."""

    allowed_roles = (Role.PROGRAMME_LEAD, Role.PERFORMANCE_ANALYST)
    programme: Programme

    def check_object_permission(self, request: HttpRequest, **kwargs: Any) -> HttpResponse | None:
        super().check_object_permission(request, **kwargs)
        self.programme_check(self.programme_named(**kwargs))
        return None

    def programme_named(self, **kwargs: Any) -> Programme:
        return get_object_or_404(Programme, slug=kwargs["slug"], is_active=True)

    def programme_check(self, programme: Programme) -> None:
        self.programme = programme
        if not selectors.actor_for(user=self.request.user, programme=programme).can_edit_milestones:
            raise PermissionDenied("Only this programme's leads and the performance team can.")


class MilestoneDetailView(RoleRequiredMixin, TemplateView):
    """A milestone: what it is, its status in every quarter, and its full audit trail."""

    template_name = "programmes/milestone_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            page = selectors.milestone_page(pk=self.kwargs["pk"])
        except Milestone.DoesNotExist:
            raise Http404("There is no milestone at this address.") from None
        actor = selectors.actor_for(user=self.request.user, programme=page.milestone.programme)
        open_quarters = [cycle.quarter for cycle in selectors.open_cycles()]
        reported = {update.quarter for update in page.updates}
        return super().get_context_data(
            page=page,
            milestone=page.milestone,
            actor=actor,
            quarters_to_enter=[q for q in open_quarters if q not in reported]
            if actor.can_edit_milestones
            else [],
            schedule_rule=rules.SCHEDULE_RULE_TEXT,
            **kwargs,
        )


class MilestoneCreateView(ProgrammeEditorMixin, View):
    template_name = "programmes/milestone_form.html"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render(MilestoneForm(programme=self.programme))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = MilestoneForm(request.POST, programme=self.programme)
        if not form.is_valid():
            return self.render(form)
        milestone = services.milestone_create(
            programme=self.programme, values=form.milestone_values(), by=request.user
        )
        messages.success(request, f"Milestone added: {milestone.title}")
        return redirect("programmes:milestone_detail", pk=milestone.pk)

    def render(self, form: MilestoneForm, **context: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"form": form, "programme": self.programme, "milestone": None, **context},
        )


class MilestoneEditView(MilestoneCreateView):
    def programme_named(self, **kwargs: Any) -> Programme:
        self.milestone = get_object_or_404(
            Milestone.objects.select_related("programme"), pk=kwargs["pk"]
        )
        return self.milestone.programme

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render(MilestoneForm(programme=self.programme, milestone=self.milestone))

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = MilestoneForm(request.POST, programme=self.programme, milestone=self.milestone)
        if not form.is_valid():
            return self.render(form)
        try:
            services.milestone_edit(
                milestone=self.milestone,
                values=form.milestone_values(),
                by=request.user,
                expected_version=form.expected_version,
            )
        except services.StaleEdit as stale:
            return self.conflict(form, stale.current)
        messages.success(request, "Milestone saved")
        return redirect("programmes:milestone_detail", pk=self.milestone.pk)

    def conflict(self, form: MilestoneForm, current: Milestone | None) -> HttpResponse:
        if current is None:
            raise Http404("The milestone has been deleted.")
        stored = MilestoneForm(programme=self.programme, milestone=current)
        stale = stale_edit_context(form=form, stored=stored.initial, current=current)
        data = form.data.copy()
        data["version"] = str(current.version)
        form = MilestoneForm(data, programme=self.programme, milestone=current)
        form.is_valid()
        form.add_error(None, services.StaleEdit(current).args[0])
        response = self.render(form, **stale)
        response.status_code = STALE_EDIT_STATUS
        return response

    def render(self, form: MilestoneForm, **context: Any) -> HttpResponse:
        return super().render(form, milestone=self.milestone, **context)


class MilestonePlanUploadView(ProgrammeEditorMixin, UploadLimitMixin, View):
    """Upload a year's milestones in the Corporate Plan's shape; all or nothing."""

    upload_max_bytes = MAX_UPLOAD_BYTES

    template_name = "programmes/milestone_plan_upload.html"

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render(MilestonePlanUploadForm())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.upload_refusal_add(MilestonePlanUploadForm(request.POST, request.FILES))
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        if upload_in_background(upload):
            queued = file_upload_queue(
                kind=ImportBatch.Kind.MILESTONE_PLAN,
                uploaded_file=upload,
                parameters={
                    "programme": self.programme.pk,
                    "financial_year": form.cleaned_data["financial_year"].label,
                    "back": request.path,
                },
                by=request.user,
                task=tasks.milestone_plan_upload_read,
            )
            return redirect("upload_progress", pk=queued.pk)
        try:
            result = services.milestone_plan_import(
                content=upload.read(),
                file_name=upload.name,
                programme=self.programme,
                financial_year=form.cleaned_data["financial_year"],
                by=request.user,
            )
        except ImportRefused as refused:
            shown, _ = problems_truncated(refused.problems)
            form.add_error(
                "file",
                f"“{upload.name}” was not uploaded: it has {len(refused.problems)} problem"
                f"{'s' if len(refused.problems) != 1 else ''}. Nothing has been saved. "
                "Correct the rows listed in the table of problems and upload it again",
            )
            return self.render(form, problems=shown, problem_count=len(refused.problems))
        messages.success(request, result.summary(file_name=upload.name))
        return redirect("programmes:detail", slug=self.programme.slug)

    def render(self, form: MilestonePlanUploadForm, **context: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "programme": self.programme,
                "columns": services.PLAN_COLUMNS,
                **context,
            },
        )


class MilestonePlanTemplateView(RoleRequiredMixin, View):
    """The plan template: the upload's headings and one example row."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return csv_response(
            filename="milestone-plan-template.csv",
            headers=services.PLAN_COLUMNS,
            rows=services.milestone_plan_template_rows(),
        )


# --- the quarterly update ----------------------------------------------------------------------


class UpdateMixin(RoleRequiredMixin):
    """Loads the milestone, the quarter, its cycle and update, and what the user may do."""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.quarter: Quarter = kwargs["quarter"]

    def load(self) -> None:
        self.milestone = get_object_or_404(
            Milestone.objects.select_related("programme"), pk=self.kwargs["pk"]
        )
        self.cycle = selectors.cycle_for(quarter=self.quarter)
        self.update = selectors.update_for(milestone=self.milestone, quarter=self.quarter)
        self.actor = selectors.actor_for(user=self.request.user, programme=self.milestone.programme)
        self.actions = rules.update_actions(
            actor=self.actor,
            state=self.update.state if self.update else None,
            quarter_open=bool(self.cycle and self.cycle.is_open),
        )

    def detail_context(self, **context: Any) -> dict[str, Any]:
        version = self.update.version if self.update else None
        return {
            "milestone": self.milestone,
            "programme": self.milestone.programme,
            "quarter": self.quarter,
            "cycle": self.cycle,
            "update": self.update,
            "actions": {action.value for action in self.actions},
            "previous": selectors.update_for(
                milestone=self.milestone, quarter=self.quarter.previous()
            ),
            "submit_form": DecisionForm(initial={"version": version}),
            "approve_form": DecisionForm(initial={"version": version}),
            "return_form": return_form(initial={"version": version}),
            "reopen_form": reopen_form(initial={"version": version}),
            **context,
        }

    def render_detail(self, status: int = 200, **context: Any) -> HttpResponse:
        return render(
            self.request,
            "programmes/update_detail.html",
            self.detail_context(**context),
            status=status,
        )


class UpdateDetailView(UpdateMixin, View):
    """A quarter's update, read-only, with the actions the user may take."""

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.load()
        return self.render_detail()


class UpdateEditView(UpdateMixin, View):
    """Enter or change a quarter's update; save as a draft or save and submit."""

    template_name = "programmes/update_form.html"
    allowed_roles = (Role.PROGRAMME_LEAD, Role.PERFORMANCE_ANALYST)

    def check_object_permission(self, request: HttpRequest, **kwargs: Any) -> HttpResponse | None:
        super().check_object_permission(request, **kwargs)
        self.load()
        if not self.actor.can_edit_milestones:
            raise PermissionDenied("Only this programme's leads and the performance team can.")
        if rules.Action.EDIT not in self.actions:
            form = None
            if request.method == "POST":  # keep what they typed in view, though it is refused
                form = self.form(request.POST)
                form.is_valid()
            return self.locked(form)
        return None

    def form(self, data: Any = None) -> MilestoneUpdateForm:
        previous = selectors.update_for(milestone=self.milestone, quarter=self.quarter.previous())
        return MilestoneUpdateForm(
            data,
            milestone=self.milestone,
            quarter=self.quarter,
            previous_status=previous.status if previous else None,
            initial=MilestoneUpdateForm.initial_for(update=self.update, previous=previous),
        )

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render(self.form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render(form)
        submitting = request.POST.get("action") == "submit"
        try:
            update = services.milestone_update_save(
                milestone=self.milestone,
                quarter=self.quarter,
                by=request.user,
                expected_version=form.expected_version,
                **form.update_values(),
            )
            if submitting:
                update = services.milestone_update_submit(
                    update=update, by=request.user, expected_version=update.version
                )
        except services.StaleEdit as stale:
            return self.conflict(form, stale.current)
        except services.TransitionRefused:
            self.load()
            return self.locked(form)
        messages.success(
            request,
            f"Update {'submitted for approval' if submitting else 'saved as a draft'}: "
            f"{self.milestone.title}, {self.quarter.label}",
        )
        return redirect("programmes:update_detail", pk=self.milestone.pk, quarter=self.quarter.code)

    def suggestion_for(self, form: MilestoneUpdateForm) -> rules.Suggestion:
        progress = getattr(form, "checked_suggestion", None)
        if progress is not None:
            return progress
        value = form["progress_percent"].value()
        try:
            percent = int(value)
        except (TypeError, ValueError):
            percent = 0
        return form.suggestion(max(0, min(100, percent)))

    def render(self, form: MilestoneUpdateForm, status: int = 200, **context: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            self.detail_context(
                form=form,
                suggestion=self.suggestion_for(form),
                schedule_rule=rules.SCHEDULE_RULE_TEXT,
                **context,
            ),
            status=status,
        )

    def conflict(self, form: MilestoneUpdateForm, current: MilestoneUpdate | None) -> HttpResponse:
        """Someone else saved first: keep what this person typed, show it beside what is now
        stored, and let them save again over the new version if they still want to."""
        self.load()
        stored = MilestoneUpdateForm.initial_for(update=current, previous=None) if current else {}
        stale = stale_edit_context(form=form, stored=stored, current=current)
        if current is not None and not current.is_editable:
            return self.locked(form, differences=stale["differences"])
        data = form.data.copy()
        data["version"] = str(current.version) if current else ""
        rebound = self.form(data)
        rebound.is_valid()
        rebound.add_error(
            None,
            "Someone else saved this update after you opened it, so your changes have not been "
            "saved. Check the differences below, then save again to replace their version "
            "with yours",
        )
        return self.render(rebound, status=STALE_EDIT_STATUS, **stale)

    def locked(
        self, form: MilestoneUpdateForm | None = None, differences: list | None = None
    ) -> HttpResponse:
        if form is not None and differences is None and self.update is not None:
            stored = MilestoneUpdateForm.initial_for(update=self.update, previous=None)
            differences = edit_differences(form, stored, form.cleaned_data)
        return render(
            self.request,
            "programmes/update_locked.html",
            self.detail_context(differences=differences),
            status=403,
        )


class UpdateActionView(UpdateMixin, View):
    """POST only: one transition of an update (submit, approve, return, reopen)."""

    http_method_names = ["post"]
    action: rules.Action
    success_message = ""

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.load()
        if self.update is None or self.action not in self.actions:
            raise PermissionDenied("You cannot do that to this update.")
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_detail(**{self.form_name: form, "error_form": form})
        try:
            self.transition(form)
        except services.StaleEdit:
            form.add_error(
                None,
                "Someone else changed this update after you opened it. Check it below and try "
                "again",
            )
            self.load()
            return self.render_detail(status=STALE_EDIT_STATUS, error_form=form)
        except services.TransitionRefused as refused:
            form.add_error(None, str(refused))
            return self.render_detail(status=409, **{self.form_name: form, "error_form": form})
        messages.success(request, f"{self.success_message}: {self.milestone.title}")
        return redirect(self.next_url())

    form_name = "approve_form"

    def make_form(self, data: Any) -> Any:
        return DecisionForm(data)

    def transition(self, form: Any) -> None:
        raise NotImplementedError

    def next_url(self) -> str:
        return reverse(
            "programmes:update_detail",
            kwargs={"pk": self.milestone.pk, "quarter": self.quarter.code},
        )


class UpdateSubmitView(UpdateActionView):
    action = rules.Action.SUBMIT
    form_name = "submit_form"
    success_message = "Update submitted for approval"

    def transition(self, form: DecisionForm) -> None:
        services.milestone_update_submit(
            update=self.update,
            by=self.request.user,
            expected_version=form.cleaned_data["version"] or 0,
        )


class UpdateApproveView(UpdateActionView):
    action = rules.Action.APPROVE
    success_message = "Update approved"

    def transition(self, form: DecisionForm) -> None:
        services.milestone_update_approve(
            update=self.update,
            by=self.request.user,
            expected_version=form.cleaned_data["version"] or 0,
        )

    def next_url(self) -> str:
        return reverse("programmes:updates")


class UpdateReturnView(UpdateActionView):
    action = rules.Action.RETURN
    form_name = "return_form"
    success_message = "Update returned to the lead"

    def make_form(self, data: Any) -> Any:
        return return_form(data)

    def transition(self, form: Any) -> None:
        services.milestone_update_return(
            update=self.update,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"] or 0,
        )

    def next_url(self) -> str:
        return reverse("programmes:updates")


class UpdateReopenView(UpdateActionView):
    action = rules.Action.REOPEN
    form_name = "reopen_form"
    success_message = "Update reopened"

    def make_form(self, data: Any) -> Any:
        return reopen_form(data)

    def transition(self, form: Any) -> None:
        services.milestone_update_reopen(
            update=self.update,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"] or 0,
        )


# --- the cycle: worklists, completeness, reporting cycles ---------------------------------------


class UpdatesView(RoleRequiredMixin, TemplateView):
    """The signed-in person's part in the cycle: updates to enter, updates to decide."""

    template_name = "programmes/updates.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            worklists=selectors.lead_worklists(user=user)
            if user_has_role(user, Role.PROGRAMME_LEAD, Role.PERFORMANCE_ANALYST)
            else [],
            awaiting=selectors.awaiting_decision(user=user),
            can_see_completeness=user_has_role(user, *READERS_OF_COMPLETENESS),
            today=timezone.localdate(),
            **kwargs,
        )


class CompletenessView(RoleRequiredMixin, TemplateView):
    """For the performance team (and readers): every milestone's update state in a quarter."""

    template_name = "programmes/completeness.html"
    allowed_roles = READERS_OF_COMPLETENESS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        quarter = _requested_quarter(request)
        report = selectors.completeness(
            quarter=quarter,
            today=timezone.localdate(),
            programme_slug=request.GET.get("programme") or None,
            state=request.GET.get("state") or None,
        )
        if request.GET.get("download") == "csv":
            return csv_response(
                filename=f"milestone-updates-{quarter.code}.csv",
                headers=["Programme", "Milestone", "Due", "State", "Overdue", "Status"],
                rows=[
                    [
                        row.programme.name,
                        row.milestone.title,
                        row.milestone.due_quarter.label,
                        row.state_label,
                        "Yes" if row.overdue else "No",
                        row.update.get_status_display() if row.update else "",
                    ]
                    for row in report.rows
                ],
            )
        quarters = selectors.cycle_quarters() or [quarter]
        if quarter not in quarters:
            quarters = [quarter, *quarters]
        filters = CompletenessFilterForm(
            initial={
                "quarter": quarter.code,
                "programme": report.programme.slug if report.programme else "",
                "state": report.state or "",
            },
            quarters=quarters,
            programmes=report.programmes,
        )
        query = request.GET.copy()
        query["download"] = "csv"
        return self.render_to_response(
            self.get_context_data(
                report=report,
                filters=filters,
                csv_query=query.urlencode(),
                today=timezone.localdate(),
                **kwargs,
            )
        )


class CycleListView(RoleRequiredMixin, TemplateView):
    template_name = "programmes/cycle_list.html"
    allowed_roles = (Role.PERFORMANCE_ANALYST,)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(cycles=selectors.reporting_cycles(), **kwargs)


class CycleEditView(RoleRequiredMixin, View):
    """Create a quarter's cycle, or change its dates and whether it is open."""

    template_name = "programmes/cycle_form.html"
    allowed_roles = (Role.PERFORMANCE_ANALYST,)

    def cycle(self) -> ReportingCycle | None:
        quarter = self.kwargs.get("quarter")
        if quarter is None:
            return None
        return get_object_or_404(ReportingCycle, quarter=quarter)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        cycle = self.cycle()
        return self.render(ReportingCycleForm(cycle=cycle), cycle)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        cycle = self.cycle()
        form = ReportingCycleForm(request.POST, cycle=cycle)
        if not form.is_valid():
            return self.render(form, cycle)
        saved = services.reporting_cycle_save(
            quarter=cycle.quarter if cycle else form.cleaned_data["quarter"],
            opens_on=form.cleaned_data["opens_on"],
            deadline=form.cleaned_data["deadline"],
            is_open=form.cleaned_data["is_open"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{saved.quarter.label} cycle saved")
        return redirect("programmes:cycles")

    def render(self, form: ReportingCycleForm, cycle: ReportingCycle | None) -> HttpResponse:
        return render(self.request, self.template_name, {"form": form, "cycle": cycle})
