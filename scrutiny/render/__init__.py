"""Rendering a pack's content (plain JSON from `scrutiny.selectors.pack_content`) into files.
Every format reads the same content; none reads the database."""

from __future__ import annotations

from typing import Any

DRAFT_NOTICE = "Draft — not for publication"  # the running header of every page of a draft
DRAFT_WATERMARK = "DRAFT"
AUTHOR = "Bury Integrated Care Partnership"  # the documents' author property

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render_pack(*, content: dict[str, Any], export_format: str) -> bytes:
    if export_format == "pdf":
        from scrutiny.render.pdf import render_pdf

        return render_pdf(content)
    if export_format == "docx":
        from scrutiny.render.docx import render_docx

        return render_docx(content)
    if export_format == "xlsx":
        from scrutiny.render.xlsx import render_xlsx

        return render_xlsx(content)
    raise ValueError(f"Unknown export format {export_format!r}")
