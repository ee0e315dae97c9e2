"""The pack as a tagged, A4 PDF (PDF/UA-1), from the same HTML as the preview."""

from __future__ import annotations

from typing import Any

from scrutiny.render.html import render_pack_html


def render_pdf(content: dict[str, Any]) -> bytes:
    import weasyprint

    html = render_pack_html(content, for_print=True)
    return weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
