"""The import pages: history, upload, mapping, check and preview, confirm, progress, result and
rollback. Performance analysts and administrators only."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import slugify
from django.views import View
from django.views.generic import FormView, TemplateView

from bury_hc.imports import ImportRefused, table_stream
from bury_hc.models import ImportBatch
from bury_hc.periods import Quarter
from bury_hc.roles import Role, RoleRequiredMixin
from bury_hc.uploads import UploadLimitMixin
from performance import services
from performance.forms.imports import (
    MAX_UPLOAD_BYTES,
    SKIP,
    MappingForm,
    UploadForm,
    label_field_name,
    labels_to_map,
    mapping_initial,
)
from performance.importing import (
    BACKGROUND_ROWS,
    FORMAT_LABELS,
    ImportFormat,
    problems_json,
)
from performance.importing.catalogue import text_key
from performance.importing.formats import period_label_ok
from performance.importing.quality import import_quality
from performance.models import DashboardSnapshot, ImportMappingProfile, ObservationImport

IMPORT_ROLES = (Role.PERFORMANCE_ANALYST, Role.ADMINISTRATOR)
States = ObservationImport.State


class ImportAccessMixin(RoleRequiredMixin):
    allowed_roles = IMPORT_ROLES


class UploadMixin(ImportAccessMixin):
    """A view of one upload, found from the URL."""

    def check_object_permission(self, request: HttpRequest, **kwargs: Any) -> HttpResponse | None:
        super().check_object_permission(request, **kwargs)
        self.upload = get_object_or_404(ObservationImport, pk=kwargs["pk"])
        return self.prepare()

    def prepare(self) -> HttpResponse | None:
        """Anything to do once the upload is known; a response to send instead, or None."""
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(upload=self.upload, **kwargs)  # type: ignore[misc]


def _next_page(upload: ObservationImport) -> HttpResponseRedirect:
    """Where an upload in its current state is shown."""
    if upload.state in (States.QUEUED, States.IMPORTING):
        return redirect("performance:import_progress", pk=upload.pk)
    if upload.state == States.APPLIED:
        return redirect("performance:import_result", pk=upload.pk)
    if upload.state == States.UPLOADED and upload.file_format == ImportFormat.MAPPED:
        return redirect("performance:import_mapping", pk=upload.pk)
    return redirect("performance:import_check", pk=upload.pk)


def _check(upload: ObservationImport) -> ObservationImport:
    """Check now, or have a worker check a big file."""
    if upload.rows_total > BACKGROUND_ROWS:
        return services.observation_import_check_queue(observation_import=upload)
    return services.observation_import_check(observation_import=upload)


class ImportListView(ImportAccessMixin, TemplateView):
    """The history: uploads, and every import batch of measure values with its rollback."""

    template_name = "performance/imports/import_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        batches = (
            ImportBatch.objects.filter(kind=ImportBatch.Kind.OBSERVATIONS)
            .select_related("imported_by")
            .annotate(values=Count("observations", distinct=True))
            .order_by("-imported_at")[:100]
        )
        uploads = ObservationImport.objects.select_related("created_by", "batch").order_by(
            "-created_at"
        )[:50]
        profiles = ImportMappingProfile.objects.order_by("name")
        return super().get_context_data(
            batches=batches, uploads=uploads, profiles=profiles, **kwargs
        )


class MappingProfileExportView(ImportAccessMixin, View):
    """A saved mapping as a YAML file, for `manage.py import_observations FILE --mapping`."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        profile = get_object_or_404(ImportMappingProfile, pk=pk)
        exported = {
            "name": profile.name,
            "description": profile.description,
            "mapping": profile.mapping,
        }
        response = HttpResponse(
            yaml.safe_dump(exported, allow_unicode=True, sort_keys=False),
            content_type="application/yaml; charset=utf-8",
        )
        slug = slugify(profile.name) or f"mapping-{profile.pk}"
        response["Content-Disposition"] = f'attachment; filename="{slug}.yaml"'
        return response


class ImportTemplateView(ImportAccessMixin, View):
    """The long template as a CSV file, with two example rows."""

    def get(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="measure_values_template.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
        writer = csv.writer(response)
        writer.writerow(
            [
                "measure_code",
                "area_code",
                "period",
                "value",
                "value_note",
                "numerator",
                "denominator",
                "lower_ci",
                "upper_ci",
            ]
        )
        writer.writerow(["ASC-WL-01", "E08000002", "Mar-25", "54", "", "", "", "", ""])
        writer.writerow(["ASC-WL-05", "E08000002", "Mar-25", "", "Not published", "", "", "", ""])
        return response


class UploadView(ImportAccessMixin, UploadLimitMixin, FormView):
    upload_max_bytes = MAX_UPLOAD_BYTES
    template_name = "performance/imports/upload.html"
    form_class = UploadForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(format_labels=FORMAT_LABELS, **kwargs)

    def form_valid(self, form: UploadForm) -> HttpResponse:
        data = form.cleaned_data
        upload = services.observation_import_start(
            uploaded_file=data["file"],
            file_format=data["file_format"],
            source=data["source"],
            published_on=data["published_on"],
            mapping_profile=data["mapping_profile"],
            by=self.request.user,
        )
        if upload.state == States.UPLOADED and (
            upload.file_format != ImportFormat.MAPPED or upload.mapping
        ):
            upload = _check(upload)
        return _next_page(upload)


class MappingView(UploadMixin, FormView):
    """Say which columns of a table in no standard format hold what."""

    template_name = "performance/imports/mapping.html"
    form_class = MappingForm

    def prepare(self) -> HttpResponse | None:
        upload = self.upload
        if upload.state in (States.QUEUED, States.IMPORTING, States.APPLIED):
            return _next_page(upload)
        try:
            self.stream = table_stream(file_name=upload.file_name, path=Path(upload.file.path))
        except ImportRefused as exc:
            upload.problems = problems_json(exc.problems)
            upload.state = States.REFUSED
            upload.save(update_fields=["problems", "state"])
            return redirect("performance:import_check", pk=upload.pk)
        return None

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["headers"] = self.stream.headers
        if self.request.method == "POST":
            data = self.request.POST
            kwargs["labels"] = self._labels(
                layout=data.get("layout"),
                columns_are=data.get("columns_are") or "periods",
                measure_column=data.get("measure_column"),
                value_columns=data.getlist("value_columns"),
            )
        else:
            kwargs["labels"] = self._file_labels_for_saved_mapping()
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        if self.upload.mapping:
            initial = mapping_initial(self.upload.mapping)
            saved = {
                text_key(label): code
                for label, code in self._saved_labels().items()
                if code is not None
            }
            for label in self._file_labels_for_saved_mapping():
                chosen = saved.get(text_key(label))  # by the label's text: never by position
                if chosen is not None:
                    initial[label_field_name(label)] = chosen or SKIP
            return initial
        initial = {"value_columns": [h for h in self.stream.headers if period_label_ok(h)]}
        unit = next((h for h in self.stream.headers if h.strip().casefold() == "unit"), None)
        if unit:  # a column headed "unit" is offered as the unit column
            initial["unit_column"] = unit
        return initial

    def _saved_labels(self) -> dict[str, str]:
        spec = self.upload.mapping.get("measure") or {}
        return dict(spec.get("labels") or {})

    def _file_labels_for_saved_mapping(self) -> list[str]:
        """The labels this file holds, read the way the saved mapping reads it: a label the
        mapping does not know is asked about, never given another label's measure."""
        mapping = self.upload.mapping or {}
        if not mapping:
            return []
        return self._labels(
            layout=mapping.get("layout", "long"),
            columns_are=mapping.get("columns_are", "periods"),
            measure_column=(mapping.get("measure") or {}).get("column"),
            value_columns=mapping.get("value_columns") or [],
        )

    def _labels(
        self,
        *,
        layout: str | None,
        columns_are: str,
        measure_column: str | None,
        value_columns: list[str],
    ) -> list[str]:
        """The labels the analyst must match to measures: the headings of measure columns, or
        the distinct entries of the measure column that are not a measure's code or name."""
        if layout == "wide" and columns_are == "measures":
            return labels_to_map(value_columns)
        if not measure_column or measure_column not in self.stream.headers:
            return []
        distinct: list[str] = []
        seen: set[str] = set()
        for row in self.stream:
            label = row.get(measure_column)
            if label not in seen:
                seen.add(label)
                distinct.append(label)
            if len(distinct) > 200:
                break
        return labels_to_map(distinct)

    def form_invalid(self, form: MappingForm) -> HttpResponse:
        label_names = {name for name, _ in form.label_fields}
        posted = label_names & set(self.request.POST)
        if label_names and not posted and set(form.errors) <= label_names:
            # The labels have only just become known: ask for them, without calling it an error.
            fresh = MappingForm(
                initial={
                    **self.request.POST.dict(),
                    "value_columns": self.request.POST.getlist("value_columns"),
                },
                headers=self.stream.headers,
                labels=[label for _, label in form.label_fields],
            )
            return self.render_to_response(self.get_context_data(form=fresh, asking_labels=True))
        return super().form_invalid(form)

    def form_valid(self, form: MappingForm) -> HttpResponse:
        mapping = form.mapping()
        services.observation_import_mapping_set(observation_import=self.upload, mapping=mapping)
        if form.cleaned_data.get("save_as"):
            profile, change = services.import_mapping_profile_save(
                name=form.cleaned_data["save_as"], mapping=mapping, by=self.request.user
            )
            messages.success(
                self.request,
                f"The mapping was saved as “{profile.name}”"
                + (" (replacing the one of that name)." if change == "updated" else "."),
            )
            self.upload.plan = {"profile": profile.name}
            self.upload.save(update_fields=["plan"])
        return _next_page(_check(self.upload))


class CheckView(UploadMixin, TemplateView):
    """The result of the check: every problem by row and column, or the plan to confirm."""

    template_name = "performance/imports/check.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        upload = self.upload
        if upload.state == States.UPLOADED and upload.file_format != ImportFormat.MAPPED:
            return _next_page(_check(upload))  # its check did not finish: run it now
        if upload.state not in (States.CHECKED, States.REFUSED, States.FAILED):
            return _next_page(upload)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        plan = self.upload.plan or {}
        problems = self.upload.problems or []
        return super().get_context_data(
            plan=plan,
            problems=problems,
            problem_count=plan.get("problem_count", len(problems)),
            format_label=_format_label(self.upload.file_format),
            background=self.upload.rows_total > BACKGROUND_ROWS,
            **kwargs,
        )


class ConfirmView(UploadMixin, View):
    """Import a checked upload (at once if small, else in the background)."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.upload.state != States.CHECKED:
            messages.info(request, "This file is not waiting to be imported.")
            return _next_page(self.upload)
        plan = self.upload.plan or {}
        confirmed = request.POST.get("overrides_confirmed") == "yes"
        if plan.get("needs_explicit_confirmation") and not confirmed:
            messages.error(
                request,
                "Tick the box to say you have checked the values listed above (those this "
                "import blanks, overrides or gives in another unit), or cancel the import.",
            )
            return _next_page(self.upload)
        return _next_page(
            services.observation_import_confirm(
                observation_import=self.upload, overrides_confirmed=confirmed
            )
        )


class RetryView(UploadMixin, View):
    """Try a failed upload again (its worker stopped): check it afresh, then confirm it."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if self.upload.state != States.FAILED:
            messages.info(request, "This file is not waiting to be tried again.")
            return _next_page(self.upload)
        upload = services.observation_import_retry(observation_import=self.upload)
        if upload.file_format != ImportFormat.MAPPED:  # a mapped table asks for its mapping
            upload = _check(upload)
        return _next_page(upload)


class ProgressView(UploadMixin, TemplateView):
    """How far a background check or import has got; works without JavaScript (refresh)."""

    template_name = "performance/imports/progress.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        upload = services.observation_import_release_if_stuck(observation_import=self.upload)
        self.upload = upload
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "state": upload.state,
                    "state_label": upload.get_state_display(),
                    "rows_done": upload.rows_done,
                    "rows_total": upload.rows_total,
                    "finished": upload.state
                    not in (States.QUEUED, States.IMPORTING, States.UPLOADED),
                    "next": _next_page(upload).url
                    if upload.state not in (States.QUEUED, States.IMPORTING)
                    else "",
                }
            )
        if upload.state not in (States.QUEUED, States.IMPORTING):
            return _next_page(upload)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        stage = (self.upload.plan or {}).get("stage", "importing")
        return super().get_context_data(stage=stage, **kwargs)


class ResultView(UploadMixin, TemplateView):
    template_name = "performance/imports/result.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.upload.state != States.APPLIED:
            return _next_page(self.upload)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        plan = self.upload.plan or {}
        quarters = plan.get("quarters") or []
        batch = self.upload.batch or ImportBatch.objects.filter(pk=plan.get("batch_id")).first()
        latest = Quarter.from_code(quarters[-1]) if quarters else None
        return super().get_context_data(
            plan=plan,
            batch=batch,
            latest_quarter=latest,
            quarter_has_highlights=latest is not None
            and DashboardSnapshot.objects.filter(
                quarter=latest, measure__in_highlight_report=True
            ).exists(),
            format_label=_format_label(self.upload.file_format),
            **kwargs,
        )


class QualityView(UploadMixin, TemplateView):
    """The data-quality checks of what an applied import wrote."""

    template_name = "performance/imports/quality.html"

    def prepare(self) -> HttpResponse | None:
        if self.upload.state != States.APPLIED:
            return _next_page(self.upload)
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        batch_id = self.upload.batch_id or (self.upload.plan or {}).get("batch_id")
        report = import_quality(batch_id=batch_id) if batch_id else None
        return super().get_context_data(report=report, **kwargs)


class RollbackView(ImportAccessMixin, TemplateView):
    """Confirm, then roll back, an import of measure values."""

    template_name = "performance/imports/rollback.html"

    def check_object_permission(self, request: HttpRequest, **kwargs: Any) -> HttpResponse | None:
        super().check_object_permission(request, **kwargs)
        self.batch = get_object_or_404(
            ImportBatch, pk=kwargs["pk"], kind=ImportBatch.Kind.OBSERVATIONS
        )
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            batch=self.batch,
            created=self.batch.observations.filter(revisions__isnull=True).count(),
            revised=self.batch.observation_revisions.values("observation").distinct().count(),
            **kwargs,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            result = services.observation_import_rollback(batch=self.batch, by=request.user)
        except services.ImportRollbackRefused as exc:
            messages.error(request, str(exc))
            return redirect(reverse("performance:import_rollback", args=[pk]))
        messages.success(
            request,
            f"“{self.batch.file_name}” was rolled back: {result.restored} values restored to "
            f"what they were before, {result.deleted} removed.",
        )
        return redirect("performance:import_list")


def _format_label(file_format: str) -> str:
    try:
        return FORMAT_LABELS[ImportFormat(file_format)]
    except ValueError:
        return file_format
