"""Committee pages and packs. Thin: parse, call a selector or service, render or redirect.

Who may do what: scrutiny officers (and administrators) build, export and publish packs and see
drafts; everyone signed in reads published packs and downloads their files.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csp import csp_override
from django.views.generic import ListView

from bury_hc.roles import RoleRequiredMixin
from bury_hc.services import StaleEdit
from bury_hc.stale_edits import STALE_EDIT_STATUS, stale_edit_context
from scrutiny import selectors, services
from scrutiny.forms import PackCreateForm, PackEditForm, PackExportForm
from scrutiny.models import CommitteePack, Meeting, PackExport, PackSection
from scrutiny.render import CONTENT_TYPES
from scrutiny.render.html import render_pack_html
from scrutiny.selectors import PACK_MANAGERS


class CommitteeListView(RoleRequiredMixin, ListView):
    template_name = "scrutiny/committee_list.html"
    context_object_name = "committees"

    def get_queryset(self):
        return selectors.committees_with_meetings()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_manage=selectors.can_manage_packs(self.request.user), **kwargs
        )


class PackListView(RoleRequiredMixin, ListView):
    template_name = "scrutiny/pack_list.html"
    context_object_name = "packs"

    def get_queryset(self):
        return selectors.packs_visible_to(self.request.user)


class PackMixin(RoleRequiredMixin):
    """Finds the pack in what the user may see: a draft is a 404 to those who cannot see it."""

    def get_pack(self) -> CommitteePack:
        return get_object_or_404(
            selectors.packs_visible_to(self.request.user), pk=self.kwargs["pk"]
        )


class PackCreateView(RoleRequiredMixin, View):
    allowed_roles = PACK_MANAGERS

    def check_object_permission(self, request, **kwargs):
        super().check_object_permission(request, **kwargs)
        self.meeting = get_object_or_404(
            Meeting.objects.select_related("committee"), pk=kwargs["meeting_id"]
        )

    def get(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        form = PackCreateForm(meeting=self.meeting, initial={"sections": ["cover", "performance"]})
        return self.page(form)

    def post(self, request: HttpRequest, meeting_id: int) -> HttpResponse:
        form = PackCreateForm(request.POST, meeting=self.meeting)
        if not form.is_valid():
            return self.page(form, status=400)
        pack = services.pack_create(
            meeting=self.meeting,
            quarter=form.cleaned_data["quarter"],
            title=form.cleaned_data["title"],
            sections=form.cleaned_data["sections"],
            agenda_item=form.cleaned_data["agenda_item"],
            by=request.user,
        )
        messages.success(request, "Pack started. Its cover starts from the committee's last pack.")
        return redirect("scrutiny:pack_edit", pk=pack.pk)

    def page(self, form, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "scrutiny/pack_new.html",
            {"form": form, "meeting": self.meeting},
            status=status,
        )


class PackDetailView(PackMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_pack()
        can_manage = selectors.can_manage_packs(request.user)
        services.pack_exports_release_if_stuck(pack=pack)
        exports = selectors.pack_exports(pack=pack)
        if not can_manage:
            exports = exports.filter(pack_state=CommitteePack.State.PUBLISHED)
        return render(
            request,
            "scrutiny/pack_detail.html",
            {
                "pack": pack,
                "can_manage": can_manage,
                "exports": exports,
                "export_form": PackExportForm(pack_state=pack.state),
                "in_progress": any(e.state in ("queued", "running") for e in exports),
            },
        )


class PackEditView(PackMixin, View):
    allowed_roles = PACK_MANAGERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_pack()
        if pack.state != CommitteePack.State.DRAFT:
            return redirect("scrutiny:pack", pk=pack.pk)
        return self.page(pack, PackEditForm(initial=PackEditForm.initial_for(pack)))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_pack()
        form = PackEditForm(request.POST)
        if not form.is_valid():
            return self.page(pack, form, status=400)
        try:
            services.pack_update(
                pack=pack,
                expected_version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                sections=form.cleaned_data["sections"],
                cover=form.cover(),
            )
        except StaleEdit as exc:
            stored = PackEditForm.initial_for(exc.current) if exc.current else {}
            stale = stale_edit_context(form=form, stored=stored, current=exc.current)
            form.add_error(None, str(exc))
            return self.page(pack, form, status=STALE_EDIT_STATUS, **stale)
        except services.PackNotEditable as exc:
            messages.error(request, str(exc))
            return redirect("scrutiny:pack", pk=pack.pk)
        messages.success(request, "Pack saved.")
        return redirect("scrutiny:pack", pk=pack.pk)

    def page(self, pack, form, status: int = 200, **context) -> HttpResponse:
        return render(
            self.request,
            "scrutiny/pack_edit.html",
            {"pack": pack, "form": form, **context},
            status=status,
        )


PREVIEW_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.NONCE]}


@method_decorator(csp_override(PREVIEW_CSP), name="dispatch")
class PackPreviewView(PackMixin, View):
    """The pack exactly as it prints: the same HTML the PDF is made from."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_pack()
        content = selectors.pack_content(pack=pack)
        nonce = get_nonce(request)  # a LazyNonce is falsy until read: read it with str()
        return HttpResponse(
            render_pack_html(content, nonce=str(nonce) if nonce is not None else "")
        )


class PackPublishView(PackMixin, View):
    """Asks for confirmation (a GOV.UK warning page), then publishes on POST."""

    allowed_roles = PACK_MANAGERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_pack()
        if pack.state != CommitteePack.State.DRAFT:
            messages.info(request, "This pack has already been published.")
            return redirect("scrutiny:pack", pk=pack.pk)
        sections = [label for value, label in PackSection.choices if value in pack.sections]
        return render(request, "scrutiny/pack_publish.html", {"pack": pack, "sections": sections})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = services.pack_publish(pack=self.get_pack(), by=request.user)
        messages.success(request, f"Published on {pack.published_at:%-d %B %Y}. It is now frozen.")
        return redirect("scrutiny:pack", pk=pack.pk)


class PackExportView(PackMixin, View):
    allowed_roles = PACK_MANAGERS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pack = self.get_pack()
        form = PackExportForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose PDF, Word or Excel")
            return redirect("scrutiny:pack", pk=pack.pk)
        services.pack_export_request(
            pack=pack, export_format=form.cleaned_data["format"], by=request.user
        )
        return redirect("scrutiny:pack", pk=pack.pk)


class ExportRetryView(RoleRequiredMixin, View):
    """Try a failed export again."""

    allowed_roles = PACK_MANAGERS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        export = get_object_or_404(
            PackExport, pk=pk, pack__in=selectors.packs_visible_to(request.user)
        )
        services.pack_export_retry(export=export)
        return redirect("scrutiny:pack", pk=export.pack_id)


class ExportDownloadView(RoleRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        export = get_object_or_404(
            PackExport.objects.select_related("pack", "pack__meeting"),
            pk=pk,
            pack__in=selectors.packs_visible_to(request.user),
        )
        if export.pack_state != CommitteePack.State.PUBLISHED and not (
            selectors.can_manage_packs(request.user)
        ):
            raise Http404
        if export.state != PackExport.State.DONE:
            raise Http404("This file is not ready yet.")
        if not export.file:
            raise PermissionDenied
        response = FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.file.name.rsplit("/", 1)[-1],
            content_type=CONTENT_TYPES[export.format],
        )
        response["X-Checksum-SHA256"] = export.sha256
        return response
