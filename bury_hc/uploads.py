"""File uploads: a size limit for each page, enforced before the body is read.

Django reads a multipart body before any view runs (the CSRF check reads the form), so a
limit checked in a form comes too late: the whole file has been received and stored by then.
`UploadLimitHandler`, first of `FILE_UPLOAD_HANDLERS`, looks up the limit of the view the
request is for (its `upload_max_bytes`, else `UPLOAD_MAX_BYTES`) and, when the request's
declared length is over it, stops the upload at its first file without reading the rest of
the body; it also counts what arrives, in case the declared length is wrong. The page then
shows `UploadLimitMixin`'s message on its file field instead of "choose a file".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

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
        self.limit = upload_limit_for(self.request)
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
