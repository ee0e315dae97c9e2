"""The pack as an editable Word document: real Heading 1/2 styles and tables.

Charts: no server-side PNG renderer is available without a browser, so each trend is given as
its one-sentence summary in the table instead of an image.
"""

from __future__ import annotations

import io
from typing import Any

from scrutiny.render.html import SECTION_HEADINGS


def _table(document, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text or ""


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def render_docx(content: dict[str, Any]) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = content["title"]
    document.add_paragraph(f"{content['committee']}, {content['meeting_date']}")
    document.add_heading(content["title"], level=0)
    meta = [f"Quarter: {content['quarter']}"]
    if content.get("item_number"):
        meta.insert(0, f"Agenda item {content['item_number']}")
    document.add_paragraph(". ".join(meta) + ".")

    if content.get("cover"):
        document.add_heading(SECTION_HEADINGS["cover"], level=1)
        for field in content["cover"]:
            document.add_heading(field["heading"], level=2)
            if field["items"]:
                for item in field["items"]:
                    document.add_paragraph(item, style="List Number")
            elif field["glossary"]:
                _table(
                    document,
                    ["Term", "Meaning"],
                    [g + [""] * (2 - len(g)) for g in field["glossary"]],
                )
            else:
                for paragraph in field["paragraphs"]:
                    document.add_paragraph(paragraph)

    performance = content.get("performance")
    if performance:
        document.add_heading(
            f"Adult Social Care Performance Report for {content['quarter']}", level=1
        )
        document.add_heading("Highlight report", level=2)
        _table(
            document,
            [
                "Measure",
                "Latest",
                "Period",
                "Direction of travel",
                "Status against target",
                "Ranks",
            ],
            [
                [
                    row["name"],
                    row["value_text"],
                    row["period"],
                    row["direction_label"],
                    row["status_label"],
                    _ranks(row),
                ]
                for row in performance["highlights"]
            ],
        )
        for section in performance["sections"]:
            document.add_heading(section["label"], level=2)
            for paragraph in section["commentary"]:
                document.add_paragraph(paragraph)
            if section["rows"]:
                _table(
                    document,
                    [
                        "Measure",
                        "Latest",
                        "Previous",
                        "Same period last year",
                        "Direction",
                        "Status",
                        "Trend",
                    ],
                    [
                        [
                            row["name"],
                            f"{row['value_text']} ({row['period']})",
                            row["previous_text"],
                            row["last_year_text"],
                            row["direction_label"],
                            row["status_label"],
                            row["sparkline_text"],
                        ]
                        for row in section["rows"]
                    ],
                )

    if content.get("programmes"):
        document.add_heading(SECTION_HEADINGS["programmes"], level=1)
        for programme in content["programmes"]:
            document.add_heading(programme["name"], level=2)
            _table(
                document,
                ["Milestone", "This quarter", "Last quarter"],
                [
                    [m["title"], m["status_label"], m["previous_label"]]
                    for m in programme["milestones"]
                ],
            )
            for m in programme["exceptions"]:
                document.add_paragraph(
                    f"Exception: {m['title']} ({m['status_label']}). "
                    f"{m['commentary']} Path to green: {m['path_to_green']}"
                )

    fund = content.get("fund")
    if fund:
        document.add_heading(SECTION_HEADINGS["fund"], level=1)
        _table(
            document,
            ["Pool", "Budget", "Actual to date", "Forecast outturn", "Variance", "Status"],
            [
                [
                    p["label"],
                    p["budget_text"],
                    p["actual_text"],
                    p["forecast_text"],
                    p["variance_text"],
                    p["status_label"],
                ]
                for p in [*fund["pools"], fund["total"]]
            ],
        )

    changes = content.get("changes")
    if changes:
        document.add_heading(SECTION_HEADINGS["changes"], level=1)
        if changes["since"]:
            document.add_paragraph(f"Compared with {changes['since']}.")
            _table(
                document,
                ["Measure or milestone", "What changed"],
                [[c["name"], c["changes"]] for c in changes["measures"] + changes["milestones"]],
            )
        else:
            document.add_paragraph("There is no earlier published pack to compare with.")

    if performance:
        document.add_heading("Appendix: Data sources and what good looks like", level=1)
        _table(
            document,
            ["Measure", "Data source", "What good looks like"],
            [
                [m["name"], m["data_source"], m["what_good_looks_like"]]
                for m in performance["data_sources"]
            ],
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _ranks(row: dict[str, Any]) -> str:
    ranks = row.get("published_ranks") or row.get("ranks") or []
    return "; ".join(f"{r['rank']} of {r['out_of']} ({r['group']})" for r in ranks)
