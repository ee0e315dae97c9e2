"""The pack as one HTML document: the browser preview and the PDF's source are the same."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from scrutiny.models import PackSection
from scrutiny.render import DRAFT_NOTICE, DRAFT_WATERMARK

SECTION_HEADINGS = dict(PackSection.choices)


def sparkline_svg(points: list[list[Any]], *, summary: str) -> SafeString:
    """A small vector line chart of a measure's trend, with its summary as the accessible name."""
    values = []
    for label, value in points:
        try:
            values.append((label, None if value is None else float(Decimal(value))))
        except (InvalidOperation, TypeError):
            values.append((label, None))
    known = [v for _, v in values if v is not None]
    if len(known) < 2:
        return mark_safe("")
    width, height, pad = 160, 36, 3
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    coords = [
        f"{pad + i * step:.1f},{height - pad - (v - low) / span * (height - 2 * pad):.1f}"
        for i, (_, v) in enumerate(values)
        if v is not None
    ]
    svg = (
        f'<svg class="pack-spark" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(summary)}"><title>{escape(summary)}</title>'
        f'<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="{" ".join(coords)}"/>'
        f'<circle cx="{coords[-1].split(",")[0]}" cy="{coords[-1].split(",")[1]}" r="3" '
        'fill="#0b0c0c"/></svg>'
    )
    return mark_safe(svg)  # noqa: S308 - built from numbers and an escaped summary


def _with_charts(content: dict[str, Any]) -> dict[str, Any]:
    performance = content.get("performance")
    if not performance:
        return content
    sections = []
    for section in performance["sections"]:
        rows = [
            {
                **row,
                "chart": sparkline_svg(row.get("sparkline") or [], summary=row["sparkline_text"]),
            }
            for row in section["rows"]
        ]
        sections.append({**section, "rows": rows})
    return {**content, "performance": {**performance, "sections": sections}}


def render_pack_html(content: dict[str, Any], *, for_print: bool = False, nonce: str = "") -> str:
    marks = {"draft": bool(content.get("draft")), "draft_notice": DRAFT_NOTICE}
    css = render_to_string("scrutiny/pack_print.css", {**marks, "draft_watermark": DRAFT_WATERMARK})
    return render_to_string(
        "scrutiny/pack_document.html",
        {
            **marks,
            "pack": _with_charts(content),
            "css": mark_safe(css),  # noqa: S308 - our own stylesheet
            "headings": SECTION_HEADINGS,
            "for_print": for_print,
            "nonce": nonce,
        },
    )
