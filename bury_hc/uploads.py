"""File uploads: a size limit for each page, enforced before the body is read.

Django reads a multipart body before any view runs (the CSRF check reads the form), so a
limit checked in a form comes too late: the whole file has been received and stored by then.
`UploadLimitHandler`, first of `FILE_UPLOAD_HANDLERS`, looks up the limit of the view the
request is for (its `upload_max_bytes`, else `UPLOAD_MAX_BYTES`) and, when the request's
declared length is over it, stops the upload at its first file without reading the rest of
the body; it also counts what arrives, in case the declared length is wrong. The page then
shows `UploadLimitMixin`'s message on its file field instead of "choose a file".

A page whose file may take more than a few seconds to read (`upload_in_background`) keeps it
as a `FileUpload` and has a Celery task read it (`file_upload_queue`, then `file_upload_run`
in the task; in the embedded default, a background thread of the web process:
`bury_hc.background`); `FileUploadProgressView` shows how it is going, polled by the page,
and deletes nothing but shows what became of it (an upload whose worker or process died is
marked failed there, as the sweep would).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from bury_hc.imports import ImportProblem, ImportRefused, problems_json, problems_truncated
from bury_hc.jobs import FILE_UPLOAD_TASK, file_upload_release_if_stuck, job_send_on_commit
from bury_hc.models import FileUpload

FORM_FIELDS_ALLOWANCE = 64 * 1024  # the form's other fields and the multipart boundaries


def size_text(limit: int) -> str:
    """A byte count as people read it: "5 MB", "200 MB", "512 KB", "1,000 bytes"."""
    if limit >= 1024 * 1024:
        return f"{limit / 1024 / 1024:,.3g} MB"
    if limit >= 1024:
        return f"{limit / 1024:,.3g} KB"
    return f"{limit:,} bytes"


def upload_limit_for(request: HttpRequest) -> int:
    """The largest file the view handling `request` takes, in bytes."""
    match = getattr(request, "resolver_match", None)
    view = getattr(match.func, "view_class", match.func) if match else None
    return getattr(view, "upload_max_bytes", None) or settings.UPLOAD_MAX_BYTES


class UploadLimitHandler(FileUploadHandler):
    """Stops an upload over the page's limit before it is read (see the module docstring)."""

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding=None
    ) -> None:
        # Django gives every handler it builds for a request that request.
        self.limit = upload_limit_for(self.request)  # type: ignore[arg-type]
        self.declared_too_big = content_length > self.limit + FORM_FIELDS_ALLOWANCE
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.declared_too_big:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler stores the file

    def _refuse(self) -> None:
        self.request.upload_refused = (  # type: ignore[union-attr]
            f"“{self.file_name}” is too big: the file must be smaller than "
            f"{size_text(self.limit)}. Split it into smaller files, or save it as CSV."
        )
        raise StopUpload(connection_reset=True)


class UploadLimitMixin:
    """For a view that takes a file: its limit (read by `UploadLimitHandler`), and the
    message shown when a file was stopped for being over it."""

    upload_max_bytes: int = 0  # 0: settings.UPLOAD_MAX_BYTES

    def upload_refusal_add(self, form: forms.Form, field: str = "file") -> forms.Form:
        """Put the refusal on the form's file field (in place of "choose a file")."""
        refused = getattr(self.request, "upload_refused", "")  # type: ignore[attr-defined]
        if refused and form.is_bound:
            form.is_valid()
            form.errors.pop(field, None)
            form.add_error(field, refused)
        return form

    def get_form(self, form_class: Any = None) -> forms.Form:
        return self.upload_refusal_add(super().get_form(form_class))  # type: ignore[misc]


# --- files read in the background, with a page that shows how it is going ---------------------

BACKGROUND_BYTES = 256 * 1024  # a bigger file is read by a worker, not in the request


def upload_in_background(uploaded_file: UploadedFile) -> bool:
    """Whether a file is big enough to be read by a worker (the browser waits at most a few
    seconds for a smaller one)."""
    return (uploaded_file.size or 0) > BACKGROUND_BYTES


def file_upload_queue(
    *,
    kind: str,
    uploaded_file: UploadedFile,
    parameters: dict[str, Any],
    by: User,
    task: Any,
) -> FileUpload:
    """Keep the file and have `task` (a Celery task taking the upload's id, which calls
    `file_upload_run`) read it once this transaction commits. Returns the upload, queued."""
    upload = FileUpload(
        kind=kind,
        file_name=PurePath(uploaded_file.name or "upload").name[:255],
        parameters={**parameters, FILE_UPLOAD_TASK: task.name},
        created_by=by,
    )
    upload.file.save(upload.file_name, uploaded_file, save=False)
    upload.save()
    job_send_on_commit(task.name, upload.pk)  # with Redis down it waits (bury_hc.jobs)
    return upload


def file_upload_run(
    *, upload_id: int, read: Callable[[FileUpload, bytes], dict[str, Any]]
) -> FileUpload:
    """Read a queued upload with `read` (the app's service: it imports the file, all or
    nothing, and returns the outcome to show: {"message", "next"}), then delete the file.

    The state ends "done", "refused" (its problems kept: `read` raised ImportRefused) or
    "failed" (an error in the application; re-raised after it is recorded). Safe to run twice:
    only a queued upload is read.
    """
    claimed = FileUpload.objects.filter(pk=upload_id, state=FileUpload.State.QUEUED).update(
        state=FileUpload.State.READING
    )
    upload = FileUpload.objects.get(pk=upload_id)
    if not claimed:
        return upload
    try:
        with upload.file.open("rb") as handle:
            content = handle.read()
        upload.outcome = read(upload, content)
        upload.state = FileUpload.State.DONE
    except ImportRefused as exc:
        upload.state = FileUpload.State.REFUSED
        upload.problems = problems_json(exc.problems)
    except Exception:
        upload.state = FileUpload.State.FAILED
        upload.problems = problems_json([ImportProblem(None, None, FAILED_MESSAGE)])
        raise
    finally:
        upload.file.delete(save=False)
        upload.save()
    return upload


FAILED_MESSAGE = (
    "The file could not be loaded because of an error in the application; nothing was saved. "
    "Try again, and tell the performance team if it happens again."
)


class FileUploadProgressView(View):
    """How a file read in the background is going (JSON for the page's polling): when it has
    been loaded, the page it was for, with what happened; when refused, its problems."""

    template_name = "bury_hc/upload_progress.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        upload = file_upload_release_if_stuck(
            get_object_or_404(FileUpload, pk=pk, created_by=request.user)
        )
        here = reverse("upload_progress", args=[upload.pk])
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "state": upload.state,
                    "state_label": upload.get_state_display(),
                    "finished": upload.finished,
                    "next": here if upload.finished else "",
                }
            )
        if upload.state == FileUpload.State.DONE:
            messages.success(request, upload.outcome.get("message", f"{upload.file_name} loaded."))
            return redirect(upload.outcome.get("next") or "/")
        problems, more = problems_truncated(upload.problems)
        return render(
            request,
            self.template_name,
            {"upload": upload, "problems": problems, "more_problems": more, "poll_url": here},
        )
