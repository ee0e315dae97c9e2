"""Pages of measures: the highlight report, report sections, each measure, the catalogue."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from bury_hc.converters import quarter_requested
from bury_hc.mixins import ChartPageMixin
from bury_hc.page_cache import CachedBodyMixin
from bury_hc.roles import Role, RoleRequiredMixin, user_has_role, user_roles
from bury_hc.services import StaleEdit
from bury_hc.stale_edits import STALE_EDIT_STATUS, stale_edit_context
from performance import charts, commentary, selectors, services
from performance.forms.measures import AnnotationForm, CommentaryForm, MeasureForm, TargetForm
from performance.models import Measure, ReportSection

EDITORS = (Role.PERFORMANCE_ANALYST, Role.ADMINISTRATOR)


def cache_once(function):
    """A callable the template calls at most once, and only if it renders the value."""
    return functools.cache(function)


class StaleEditMixin:
    """A refused stale save, as every app shows it (`bury_hc.stale_edits`): 409, the user's
    input kept beside what is now stored, and the form ready to save over the version they
    have now seen."""

    def stale_edit(self, stale: StaleEdit, form):
        context = stale_edit_context(
            form=form, stored=self.stored_initial(stale.current), current=stale.current
        )
        data = self.request.POST.copy()
        data["version"] = getattr(stale.current, "version", "") or ""
        rebound = self.get_form_class()(
            data=data,
            **{k: v for k, v in self.get_form_kwargs().items() if k not in ("data", "files")},
        )
        rebound.is_valid()
        rebound.add_error(None, str(stale))
        return self.render_to_response(
            self.get_context_data(form=rebound, **context), status=STALE_EDIT_STATUS
        )

    def stored_initial(self, current) -> dict:
        """The record as it now stands, as the form's initial values."""
        return model_to_dict(current) if current is not None else {}


class QuarterMixin:
    def dispatch(self, request, *args, **kwargs):
        self.quarters = selectors.dashboard_quarters()
        self.quarter = quarter_requested(
            request, default=self.quarters[0] if self.quarters else None
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            quarter=self.quarter,
            quarters=self.quarters,
            can_edit=user_has_role(self.request.user, *EDITORS),
            **kwargs,
        )


class HighlightReportView(RoleRequiredMixin, CachedBodyMixin, TemplateView):
    """The quarterly Adult Social Care highlight report, from the snapshots.

    One query beyond signing in while nothing it shows has changed: the page's body is cached
    under `highlight_report_state`'s version, the quarter and the reader's roles (what a reader
    may do changes the page, so a body is only ever served to readers with the same roles);
    the quarters, the sections and the table are read only when the cache misses."""

    template_name = "performance/highlight_report.html"
    body_template_name = "performance/_highlight_report_body.html"
    body_cache_name = "highlight_report"
    # Bounds how stale what no version column records can be (a group renamed in the admin).
    body_cache_seconds = 300

    def get_context_data(self, **kwargs):
        self.state = selectors.highlight_report_state()
        quarter = quarter_requested(self.request, default=self.state.latest_quarter)
        return super().get_context_data(
            quarter=quarter,
            # Each read only if the body is rendered (a cache miss); the template calls a
            # callable once, and cache_once keeps its answer for the rest of the render.
            quarters=cache_once(selectors.dashboard_quarters),
            sections=cache_once(selectors.report_sections),
            rows=cache_once(lambda: selectors.dashboard_rows(quarter=quarter, highlight_only=True)),
            table_version=cache_once(
                lambda: selectors.dashboard_version(quarter=quarter) if quarter else ""
            ),
            can_edit=user_has_role(self.request.user, *EDITORS),
            **kwargs,
        )

    def get_body_key_parts(self, context):
        quarter = context["quarter"]
        if not self.state.has_quarter(quarter):
            return None  # any quarter can be asked for: keep only those with snapshots
        return (self.state.version, quarter.code, sorted(user_roles(self.request.user)))


class SectionView(RoleRequiredMixin, QuarterMixin, ChartPageMixin, TemplateView):
    template_name = "performance/section.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["section"] not in ReportSection.values:
            raise Http404("There is no report section at this address.")
        self.section = ReportSection(kwargs["section"])
        return super().dispatch(request, *args, **kwargs)

    def get_charts(self):
        if not self.quarter:
            return []
        return [
            charts.series_chart(series)
            for series in selectors.section_series(section=self.section, quarter=self.quarter)
        ]

    def get_context_data(self, **kwargs):
        quarter = self.quarter
        kwargs.pop("section", None)  # the URL's slug; the context gets the ReportSection
        return super().get_context_data(
            section=self.section,
            rows=selectors.dashboard_rows(quarter=quarter, section=self.section) if quarter else [],
            commentary=selectors.section_commentary(section=self.section, quarter=quarter)
            if quarter
            else None,
            sections=selectors.report_sections(),
            **kwargs,
        )


class SectionCommentaryEditView(RoleRequiredMixin, StaleEditMixin, FormView):
    allowed_roles = EDITORS
    template_name = "performance/commentary_form.html"
    form_class = CommentaryForm

    def check_object_permission(self, request, **kwargs):
        super().check_object_permission(request, **kwargs)
        if kwargs["section"] not in ReportSection.values:
            raise Http404("There is no report section at this address.")
        self.section = ReportSection(kwargs["section"])
        self.quarter = kwargs["quarter"]
        self.existing = selectors.section_commentary(section=self.section, quarter=self.quarter)

    def suggestion(self) -> str:
        rows = selectors.dashboard_rows(quarter=self.quarter, section=self.section.value)
        return commentary.section_suggestion(rows) if rows else ""

    def get_initial(self):
        initial = {}
        if self.existing:
            initial = {"text": self.existing.text, "version": self.existing.version}
        if self.request.GET.get("start") == "suggestion":
            # A first draft for the analyst to edit: nothing is saved until they save it.
            initial["text"] = self.suggestion()
        return initial

    def form_valid(self, form):
        try:
            services.section_commentary_save(
                section=self.section,
                quarter=self.quarter,
                text=form.cleaned_data["text"],
                by=self.request.user,
                expected_version=form.cleaned_data["version"],
            )
        except StaleEdit as stale:
            return self.stale_edit(stale, form)
        messages.success(
            self.request, f"Commentary saved for {self.section.label}, {self.quarter}."
        )
        return redirect(self.success_url())

    def success_url(self) -> str:
        url = reverse("performance:section", kwargs={"section": self.section.value})
        return f"{url}?quarter={self.quarter.code}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section,
            quarter=self.quarter,
            back_url=self.success_url(),
            suggestion=self.suggestion(),
            **kwargs,
        )


class MeasureListView(RoleRequiredMixin, TemplateView):
    template_name = "performance/measure_list.html"

    def get_context_data(self, **kwargs):
        section = self.request.GET.get("section", "")
        search = self.request.GET.get("q", "").strip()
        return super().get_context_data(
            measures=selectors.measure_catalogue(section=section, search=search),
            section=section,
            search=search,
            sections=ReportSection.choices,
            can_edit=user_has_role(self.request.user, *EDITORS),
            **kwargs,
        )


class MeasureDetailView(RoleRequiredMixin, ChartPageMixin, TemplateView):
    template_name = "performance/measure_detail.html"

    def dispatch(self, request, *args, **kwargs):
        quarter = quarter_requested(request)
        try:
            self.detail = selectors.measure_detail(code=kwargs["code"], quarter=quarter)
        except Measure.DoesNotExist:
            raise Http404("There is no measure with that code.") from None
        return super().dispatch(request, *args, **kwargs)

    def get_charts(self):
        found = [charts.measure_trend_chart(self.detail)]
        found += [charts.comparison_chart(self.detail, name) for name in self.detail.comparisons]
        return [chart for chart in found if chart]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            detail=self.detail,
            measure=self.detail.measure,
            can_edit=user_has_role(self.request.user, *EDITORS),
            **kwargs,
        )


class MeasureFormView(RoleRequiredMixin, StaleEditMixin, FormView):
    """Add a measure to the catalogue, or edit one (`code` in the URL)."""

    allowed_roles = EDITORS
    template_name = "performance/measure_form.html"
    form_class = MeasureForm

    def check_object_permission(self, request, **kwargs):
        super().check_object_permission(request, **kwargs)
        self.measure = get_object_or_404(Measure, code=kwargs["code"]) if "code" in kwargs else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.measure}

    def form_valid(self, form):
        data = form.cleaned_data
        links = {"programmes": data.pop("programmes"), "objectives": data.pop("objectives")}
        try:
            if self.measure is None:
                measure = services.measure_create(values=data, **links)
            else:
                measure = services.measure_update(
                    measure=self.measure,
                    values=data,
                    expected_version=data["version"] or 0,
                    **links,
                )
        except StaleEdit as stale:
            return self.stale_edit(stale, form)
        messages.success(self.request, f"Saved {measure.code}: {measure.name}.")
        return HttpResponseRedirect(reverse("performance:measure", kwargs={"code": measure.code}))

    def get_context_data(self, **kwargs):
        return super().get_context_data(measure=self.measure, **kwargs)


class MeasureChildFormView(RoleRequiredMixin, FormView):
    """Add a target or a note to a measure."""

    allowed_roles = EDITORS
    template_name = "performance/measure_child_form.html"
    title = ""

    def check_object_permission(self, request, **kwargs):
        super().check_object_permission(request, **kwargs)
        self.measure = get_object_or_404(Measure, code=kwargs["code"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(measure=self.measure, title=self.title, **kwargs)

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect("performance:measure", code=self.measure.code)


class TargetAddView(MeasureChildFormView):
    form_class = TargetForm
    title = "Add a target"

    def form_valid(self, form):
        services.target_add(measure=self.measure, **form.cleaned_data)
        return self.done("Target added. The dashboards are being rebuilt with it.")


class AnnotationAddView(MeasureChildFormView):
    form_class = AnnotationForm
    title = "Add a note"

    def form_valid(self, form):
        services.annotation_add(measure=self.measure, by=self.request.user, **form.cleaned_data)
        return self.done("Note added.")
