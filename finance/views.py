"""Pages of the Integrated Care Fund.

Everyone with a role reads the fund (the summary, its drill-down, lines, quarters, efficiency
schemes). Finance officers enter and upload figures for their own organisation's lines; the
finance lead signs quarters off, reopens them and sets the variance thresholds. Each view
declares its roles; the own-organisation rule is `selectors.line_editable_by`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import slugify
from django.views.generic import FormView, TemplateView, View

from bury_hc.converters import financial_year_requested, quarter_requested
from bury_hc.exports import csv_response
from bury_hc.imports import ImportRefused, problems_truncated
from bury_hc.mixins import ChartPageMixin
from bury_hc.models import ImportBatch
from bury_hc.periods import FinancialYear, Quarter
from bury_hc.roles import ALL_ROLES, Role, RoleRequiredMixin, user_has_role
from bury_hc.stale_edits import STALE_EDIT_STATUS, stale_edit_context
from bury_hc.uploads import UploadLimitMixin, file_upload_queue, upload_in_background
from finance import charts, selectors, services, tasks
from finance.forms import (
    MAX_UPLOAD_BYTES,
    PositionForm,
    PositionUploadForm,
    ReopenForm,
    SignOffForm,
    ThresholdsForm,
)
from finance.models import BudgetLine

READ_ROLES = ALL_ROLES
ENTRY_ROLES = (Role.FINANCE_OFFICER,)
LEAD_ROLES = (Role.FINANCE_LEAD,)
CONFLICT = 409


class FinanceContextMixin:
    """What every finance page shows about the person: may they enter figures, sign off?"""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        return super().get_context_data(
            is_finance_officer=user_has_role(user, Role.FINANCE_OFFICER),
            is_finance_lead=user_has_role(user, Role.FINANCE_LEAD),
            **kwargs,
        )


class FundSummaryView(RoleRequiredMixin, FinanceContextMixin, ChartPageMixin, TemplateView):
    """The fund at a glance for a quarter: pools, organisations, largest variances, trend."""

    allowed_roles = READ_ROLES
    template_name = "finance/fund_summary.html"

    @cached_property
    def quarters(self) -> tuple[Quarter, ...]:
        return selectors.fund_quarters()

    @cached_property
    def quarter(self) -> Quarter | None:
        return quarter_requested(self.request) or (self.quarters[0] if self.quarters else None)

    @cached_property
    def summary(self) -> selectors.FundQuarterSummary | None:
        return selectors.fund_quarter_summary(quarter=self.quarter) if self.quarter else None

    def get_charts(self) -> list:
        return charts.fund_charts(self.summary) if self.summary else []

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        year = self.quarter.financial_year if self.quarter else selectors.fund_latest_year()
        return super().get_context_data(
            quarter=self.quarter,
            quarters=self.quarters,
            summary=self.summary,
            annual=selectors.fund_summary(financial_year=year) if year else None,
            entry_quarter=self.quarter or (year.quarters[0] if year else None),
            **kwargs,
        )


class PoolDetailView(RoleRequiredMixin, FinanceContextMixin, TemplateView):
    """A pool at a quarter: its organisations and its lines."""

    allowed_roles = READ_ROLES
    template_name = "finance/pool_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        quarter = kwargs["quarter"]
        detail = selectors.fund_pool_detail(quarter=quarter, pool_type=kwargs["pool_type"])
        if detail is None:
            raise Http404("That pool has no budget lines for this quarter's year.")
        return super().get_context_data(detail=detail, **kwargs)


class OrganisationLinesView(RoleRequiredMixin, FinanceContextMixin, TemplateView):
    """One organisation's lines in a pool, at a quarter."""

    allowed_roles = READ_ROLES
    template_name = "finance/organisation_lines.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        detail = selectors.fund_organisation_lines(
            quarter=kwargs["quarter"],
            pool_type=kwargs["pool_type"],
            organisation_id=kwargs["organisation_id"],
        )
        if detail is None:
            raise Http404("That organisation hosts no lines in this pool.")
        return super().get_context_data(detail=detail, **kwargs)


class LineDetailView(RoleRequiredMixin, FinanceContextMixin, TemplateView):
    """A budget line quarter by quarter, and every saved version of its figures."""

    allowed_roles = READ_ROLES
    template_name = "finance/line_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        detail = selectors.fund_line_detail(
            line_id=kwargs["pk"], quarter=quarter_requested(self.request)
        )
        if detail is None:
            raise Http404("There is no budget line at this address.")
        line = selectors.budget_line(line_id=kwargs["pk"])
        quarters = [figures.quarter for figures in detail.quarters]
        return super().get_context_data(
            detail=detail,
            can_edit=selectors.line_editable_by(user=self.request.user, line=line),
            locked=selectors.signed_off_quarters(quarters=quarters),
            **kwargs,
        )


# --- entry by finance officers ---------------------------------------------------------------


class OwnOrganisationMixin(RoleRequiredMixin):
    """A finance officer's page about their own organisation's lines."""

    allowed_roles = ENTRY_ROLES

    def check_object_permission(self, request: HttpRequest, **kwargs: Any) -> HttpResponse | None:
        super().check_object_permission(request, **kwargs)
        self.organisation = selectors.user_organisation(request.user)
        if self.organisation is None:
            raise PermissionDenied("Your account is not linked to an organisation.")
        self.quarter = kwargs["quarter"]
        return None


class QuarterEntryView(OwnOrganisationMixin, FinanceContextMixin, TemplateView):
    """A finance officer's lines for a quarter: their figures, status and links to enter them."""

    allowed_roles = ENTRY_ROLES
    template_name = "finance/quarter_entry.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        years = selectors.fund_years()
        state = selectors.quarter_state(quarter=self.quarter)
        return super().get_context_data(
            organisation=self.organisation,
            lines=selectors.fund_lines(quarter=self.quarter, organisation_id=self.organisation.pk),
            state=state,
            can_edit=not state.is_signed_off,
            entry_quarters=[q for year in reversed(years) for q in year.quarters],
            **kwargs,
        )


class LineEntryMixin(RoleRequiredMixin):
    """A finance officer's page about one of their own lines at a quarter."""

    allowed_roles = ENTRY_ROLES

    def check_object_permission(self, request: HttpRequest, **kwargs: Any) -> HttpResponse | None:
        super().check_object_permission(request, **kwargs)
        self.quarter: Quarter = kwargs["quarter"]
        self.line: BudgetLine | None = selectors.budget_line(line_id=kwargs["pk"])
        if self.line is None or self.line.financial_year != self.quarter.financial_year:
            raise Http404("There is no such budget line for this quarter.")
        if not selectors.line_editable_by(user=request.user, line=self.line):
            raise PermissionDenied("Finance officers enter figures for their own lines only.")
        self.state = selectors.quarter_state(quarter=self.quarter)
        self.thresholds = selectors.variance_thresholds_for(
            financial_year=self.quarter.financial_year
        )
        self.current = selectors.position_current(line_id=self.line.pk, quarter=self.quarter)
        return None


class PositionEditView(LineEntryMixin, FinanceContextMixin, FormView):
    """Enter or correct a line's figures for a quarter. Refuses a stale save (409) and any
    change to a signed-off quarter (409)."""

    allowed_roles = ENTRY_ROLES
    template_name = "finance/position_form.html"
    form_class = PositionForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.state.is_signed_off:
            return self.render_to_response(self.get_context_data(), status=CONFLICT)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "thresholds": self.thresholds}

    def get_initial(self) -> dict[str, Any]:
        return _position_initial(self.line, self.current)

    def form_valid(self, form: PositionForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            services.position_save(
                line=self.line,
                quarter=self.quarter,
                budget=data["budget"],
                actual_to_date=data["actual_to_date"],
                forecast_outturn=data["forecast_outturn"],
                explanation=data["explanation"],
                by=self.request.user,
                expected_version=data["version"],
            )
        except services.StaleEdit:
            return self.conflict(form)
        except services.QuarterLocked:
            self.state = selectors.quarter_state(quarter=self.quarter)
            return self.render_to_response(self.get_context_data(form=form), status=CONFLICT)
        except services.ExplanationMissing as exc:
            form.add_error("explanation", str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request, f"Figures saved for {self.line.service_area}, {self.quarter.label}."
        )
        return redirect("finance:entry", quarter=self.quarter)

    def conflict(self, attempted: PositionForm) -> HttpResponse:
        """Someone saved first: nothing of theirs is lost. Show their figures in the form (so
        the next save starts from them) beside what this person tried to save."""
        current = selectors.position_current(line_id=self.line.pk, quarter=self.quarter)
        stored = _position_initial(self.line, current)
        stale = stale_edit_context(form=attempted, stored=stored, current=current)
        form = self.form_class(initial=stored, thresholds=self.thresholds)
        return self.render_to_response(
            self.get_context_data(form=form, saved=current, stale_edit=True, **stale),
            status=STALE_EDIT_STATUS,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            line=self.line,
            quarter=self.quarter,
            state=self.state,
            thresholds=self.thresholds,
            current=self.current,
            **kwargs,
        )


def _position_initial(line: BudgetLine, position) -> dict[str, Any]:
    if position is None:
        return {"budget": line.annual_budget, "version": None}
    return {
        "budget": position.budget,
        "actual_to_date": position.actual_to_date,
        "forecast_outturn": position.forecast_outturn,
        "explanation": position.explanation,
        "version": position.version,
    }


class PositionUploadView(OwnOrganisationMixin, FinanceContextMixin, UploadLimitMixin, FormView):
    """Upload a quarter's figures for the officer's organisation, as CSV or Excel."""

    upload_max_bytes = MAX_UPLOAD_BYTES

    allowed_roles = ENTRY_ROLES
    template_name = "finance/position_upload.html"
    form_class = PositionUploadForm

    def form_valid(self, form: PositionUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        if upload_in_background(upload):
            queued = file_upload_queue(
                kind=ImportBatch.Kind.FINANCE,
                uploaded_file=upload,
                parameters={
                    "quarter": self.quarter.code,
                    "organisation": self.organisation.pk,
                    "back": self.request.path,
                },
                by=self.request.user,
                task=tasks.positions_upload_read,
            )
            return redirect("upload_progress", pk=queued.pk)
        try:
            outcome = services.positions_import(
                quarter=self.quarter,
                content=upload.read(),
                file_name=upload.name,
                organisation=self.organisation,
                by=self.request.user,
            )
        except ImportRefused as exc:
            shown, more = problems_truncated(exc.problems)
            form.add_error(
                "file",
                f"“{upload.name}” was not loaded and nothing from it was saved: correct the "
                "problems listed and upload it again.",
            )
            for problem in shown:
                form.add_error("file", str(problem))
            if more:
                form.add_error("file", f"And {more} more problems: fix these and upload again.")
            return self.form_invalid(form)
        except services.QuarterLocked as exc:
            form.add_error("file", str(exc))
            return self.render_to_response(self.get_context_data(form=form), status=CONFLICT)
        except services.StaleEdit:
            form.add_error("file", services.STALE_UPLOAD_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=CONFLICT)
        messages.success(self.request, outcome.summary(file_name=upload.name, quarter=self.quarter))
        return redirect("finance:entry", quarter=self.quarter)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            quarter=self.quarter,
            organisation=self.organisation,
            state=selectors.quarter_state(quarter=self.quarter),
            columns=services.UPLOAD_COLUMNS,
            **kwargs,
        )


class UploadTemplateView(OwnOrganisationMixin, View):
    """The upload template: the officer's lines for the quarter, with any figures saved."""

    allowed_roles = ENTRY_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lines = selectors.fund_lines(quarter=self.quarter, organisation_id=self.organisation.pk)
        return csv_response(
            filename=f"fund-figures-{self.quarter.code}-{slugify(self.organisation.short_name)}.csv",
            headers=services.UPLOAD_COLUMNS,
            rows=[
                (
                    self.quarter.label,
                    line.pool_name,
                    line.organisation_name,
                    line.service_area,
                    line.budget if line.reported else line.annual_budget,
                    line.actual_to_date,
                    line.forecast_outturn,
                    line.explanation,
                )
                for line in lines
            ],
        )


# --- the quarter: sign-off and reopening -----------------------------------------------------


class QuarterView(RoleRequiredMixin, FinanceContextMixin, TemplateView):
    """A quarter's sign-off state and history, and what still stops it being signed off."""

    allowed_roles = READ_ROLES
    template_name = "finance/quarter.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        quarter = kwargs["quarter"]
        state = selectors.quarter_state(quarter=quarter, with_events=True)
        return super().get_context_data(
            state=state,
            problems=[]
            if state.is_signed_off
            else selectors.quarter_sign_off_problems(quarter=quarter),
            **kwargs,
        )


class QuarterSignOffView(RoleRequiredMixin, FinanceContextMixin, FormView):
    allowed_roles = LEAD_ROLES
    template_name = "finance/quarter_sign_off.html"
    form_class = SignOffForm

    def form_valid(self, form: SignOffForm) -> HttpResponse:
        quarter = self.kwargs["quarter"]
        try:
            services.finance_quarter_sign_off(quarter=quarter, by=self.request.user)
        except services.SignOffRefused as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
            return self.render_to_response(self.get_context_data(form=form), status=CONFLICT)
        messages.success(self.request, f"{quarter.label} is signed off: its figures are locked.")
        return redirect("finance:quarter", quarter=quarter)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        quarter = self.kwargs["quarter"]
        state = selectors.quarter_state(quarter=quarter)
        return super().get_context_data(
            quarter=quarter,
            state=state,
            summary=selectors.fund_quarter_summary(quarter=quarter),
            problems=[]
            if state.is_signed_off
            else selectors.quarter_sign_off_problems(quarter=quarter),
            **kwargs,
        )


class QuarterReopenView(RoleRequiredMixin, FinanceContextMixin, FormView):
    allowed_roles = LEAD_ROLES
    template_name = "finance/quarter_reopen.html"
    form_class = ReopenForm

    def form_valid(self, form: ReopenForm) -> HttpResponse:
        quarter = self.kwargs["quarter"]
        try:
            services.finance_quarter_reopen(
                quarter=quarter, by=self.request.user, reason=form.cleaned_data["reason"]
            )
        except services.SignOffRefused as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
            return self.render_to_response(self.get_context_data(form=form), status=CONFLICT)
        messages.success(self.request, f"{quarter.label} is reopened: its figures can change.")
        return redirect("finance:quarter", quarter=quarter)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        quarter = self.kwargs["quarter"]
        return super().get_context_data(
            quarter=quarter, state=selectors.quarter_state(quarter=quarter), **kwargs
        )


# --- settings and schemes --------------------------------------------------------------------


class ThresholdsView(RoleRequiredMixin, FinanceContextMixin, FormView):
    """The finance lead sets the year's variance thresholds."""

    allowed_roles = LEAD_ROLES
    template_name = "finance/thresholds_form.html"
    form_class = ThresholdsForm

    def get_initial(self) -> dict[str, Any]:
        current = selectors.variance_thresholds_for(financial_year=self.kwargs["year"])
        return {
            "green_within_percent": current.green_within_percent,
            "amber_within_percent": current.amber_within_percent,
        }

    def form_valid(self, form: ThresholdsForm) -> HttpResponse:
        year: FinancialYear = self.kwargs["year"]
        services.variance_thresholds_set(
            financial_year=year,
            green_within_percent=form.cleaned_data["green_within_percent"],
            amber_within_percent=form.cleaned_data["amber_within_percent"],
            by=self.request.user,
        )
        messages.success(self.request, f"Variance thresholds saved for {year.label}.")
        return redirect(reverse("finance:fund"))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        year = self.kwargs["year"]
        return super().get_context_data(
            year=year,
            record=selectors.variance_thresholds_record(financial_year=year),
            **kwargs,
        )


class EfficiencyView(RoleRequiredMixin, FinanceContextMixin, TemplateView):
    """Each organisation's efficiency and savings schemes for a year."""

    allowed_roles = READ_ROLES
    template_name = "finance/efficiency.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        years = selectors.efficiency_years()
        year = financial_year_requested(self.request, default=years[0] if years else None)
        return super().get_context_data(
            year=year,
            years=years,
            efficiency=selectors.efficiency_summary(financial_year=year) if year else None,
            **kwargs,
        )
