"""The pack as a Word document with real heading styles (Heading 1/2), numbered lists and
tables whose header row repeats on each page. A draft carries "Draft — not for publication" in
the header of every page and a DRAFT watermark; every page is numbered in the footer."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from scrutiny.render import AUTHOR, DRAFT_NOTICE, DRAFT_WATERMARK
from scrutiny.render.html import SECTION_HEADINGS

# Word's own watermark: a VML text shape behind the page, anchored in the header.
# The shape type (136, text on a path) is defined as Word defines it, for readers that need it.
WATERMARK_XML = """<w:r {namespaces}><w:pict><v:shapetype id="_x0000_t136"
 coordsize="21600,21600" o:spt="136" adj="10800" path="m@7,l@8,m@5,21600l@6,21600e">
 <v:formulas><v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>
 <v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>
 <v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/>
 <v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>
 <v:f eqn="sum @6 0 @5"/></v:formulas>
 <v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800"
 o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/>
 <o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype><v:shape id="PowerPlusWaterMarkObject"
 type="#_x0000_t136" style="position:absolute;margin-left:0;margin-top:0;width:468pt;
 height:156pt;rotation:315;z-index:-251657216;mso-position-horizontal:center;
 mso-position-horizontal-relative:margin;mso-position-vertical:center;
 mso-position-vertical-relative:margin" fillcolor="#b1b4b6" stroked="f">
 <v:fill opacity=".4"/><v:textpath on="t" style="font-family:&quot;Arial&quot;;font-size:1pt"
 string="{text}"/></v:shape></w:pict></w:r>"""
VML_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
)


def render_docx(content: dict[str, Any]) -> bytes:
    from docx import Document

    document = Document()
    _properties(document, content)
    _page_furniture(document, content)
    document.add_paragraph(f"{content['committee']}, {content['meeting_date']}")
    document.add_heading(content["title"], level=0)
    meta = [f"Quarter: {content['quarter']}"]
    if content.get("item_number"):
        meta.insert(0, f"Agenda item {content['item_number']}")
    document.add_paragraph(". ".join(meta) + ".")
    for part in (_cover, _performance, _programmes, _fund, _changes, _data_sources):
        part(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _properties(document, content: dict[str, Any]) -> None:
    properties = document.core_properties
    properties.title = content["title"]
    properties.author = AUTHOR
    properties.last_modified_by = AUTHOR
    properties.subject = f"{content['committee']}, {content['meeting_date']}"
    properties.keywords = "draft" if content.get("draft") else "published"
    if content.get("document_date"):
        when = dt.datetime.fromisoformat(content["document_date"])
        properties.created = properties.modified = when


def _page_furniture(document, content: dict[str, Any]) -> None:
    """The running header (with the draft mark on a draft) and 'Page n of m' in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.text = f"{content['committee']}, {content['meeting_date']}"
    if content.get("draft"):
        notice = section.header.add_paragraph()
        notice.add_run(DRAFT_NOTICE).bold = True
        notice._p.append(_watermark())
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def _watermark():
    from docx.oxml import parse_xml

    return parse_xml(WATERMARK_XML.format(namespaces=VML_NAMESPACES, text=DRAFT_WATERMARK))


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in on each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _table(document, header: list[str], rows: list[list[str]], *, empty: str) -> None:
    """A table with a bold header row repeated on each page; a sentence where it has no rows."""
    if not rows:
        document.add_paragraph(empty)
        return
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


def _cover(document, content: dict[str, Any]) -> None:
    if not content.get("cover"):
        return
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
                empty="No terms are defined.",
            )
        else:
            for paragraph in field["paragraphs"]:
                document.add_paragraph(paragraph)


def _ranks_text(row: dict[str, Any]) -> str:
    """The computed ranks as the dashboard words them, and the published ranks where they
    differ."""
    lines = [rank.get("sentence", "") for rank in row.get("ranks", [])] or ["No comparator data"]
    lines += [
        f"Differs from the published report: {difference}"
        for difference in row.get("published_differences", [])
    ]
    return "\n".join(lines)


def _performance(document, content: dict[str, Any]) -> None:
    performance = content.get("performance")
    if not performance:
        return
    document.add_heading(f"Adult Social Care Performance Report for {content['quarter']}", level=1)
    document.add_heading("Highlight report", level=2)
    if performance.get("highlights_targets_note"):
        document.add_paragraph(performance["highlights_targets_note"])
    _table(
        document,
        ["Measure", "Latest", "Period", "Direction of travel", "Against target", "Ranks"],
        [
            [
                row["name"],
                row["value_text"],
                row["period"],
                row.get("direction_text") or row["direction_label"],
                row.get("status_text") or row["status_label"],
                _ranks_text(row),
            ]
            for row in performance["highlights"]
        ],
        empty="No highlight measures have figures for this quarter.",
    )
    for section in performance["sections"]:
        document.add_heading(section["label"], level=2)
        for paragraph in section["commentary"]:
            document.add_paragraph(paragraph)
        if section["rows"] and section.get("targets_note"):
            document.add_paragraph(section["targets_note"])
        _table(
            document,
            [
                "Measure",
                "Latest",
                "Previous",
                "Same period last year",
                "Direction",
                "Against target",
                "Ranks",
                "Trend",
            ],
            [
                [
                    row["name"],
                    f"{row['value_text']} ({row['period']})",
                    row["previous_text"],
                    row["last_year_text"],
                    row.get("direction_text") or row["direction_label"],
                    row.get("status_text") or row["status_label"],
                    _ranks_text(row),
                    row["sparkline_text"],
                ]
                for row in section["rows"]
            ],
            empty="No measures in this section have figures for this quarter.",
        )


def _exception_text(milestone: dict[str, Any]) -> str:
    commentary = milestone["commentary"] or "No commentary given."
    path = milestone["path_to_green"] or "None given."
    return (
        f"Exception: {milestone['title']} ({milestone['status_label']}). {commentary} "
        f"Path to green: {path}"
    )


def _programmes(document, content: dict[str, Any]) -> None:
    if not content.get("programmes"):
        return
    document.add_heading(SECTION_HEADINGS["programmes"], level=1)
    for programme in content["programmes"]:
        document.add_heading(programme["name"], level=2)
        _table(
            document,
            ["Milestone", "This quarter", "Last quarter"],
            [[m["title"], m["status_label"], m["previous_label"]] for m in programme["milestones"]],
            empty="No milestones report in this quarter.",
        )
        for milestone in programme["exceptions"]:
            document.add_paragraph(_exception_text(milestone))


def _fund(document, content: dict[str, Any]) -> None:
    fund = content.get("fund")
    if not fund:
        return
    document.add_heading(SECTION_HEADINGS["fund"], level=1)
    if fund.get("note"):
        document.add_paragraph(fund["note"])
    pools = [*fund["pools"], fund["total"]] if fund.get("total") else []
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
            for p in pools
        ],
        empty="There are no fund figures to show.",
    )


def _changes(document, content: dict[str, Any]) -> None:
    changes = content.get("changes")
    if not changes:
        return
    document.add_heading(SECTION_HEADINGS["changes"], level=1)
    if not changes["since"]:
        document.add_paragraph("There is no earlier published pack to compare with.")
        return
    document.add_paragraph(f"Compared with {changes['since']}.")
    _table(
        document,
        ["Measure or milestone", "What changed"],
        [[c["name"], c["changes"]] for c in changes["measures"] + changes["milestones"]],
        empty="No measure or milestone has changed since then.",
    )


def _data_sources(document, content: dict[str, Any]) -> None:
    performance = content.get("performance")
    if not performance:
        return
    document.add_heading("Appendix: Data sources and what good looks like", level=1)
    _table(
        document,
        ["Measure", "Data source", "What good looks like"],
        [
            [m["name"], m["data_source"], m["what_good_looks_like"]]
            for m in performance["data_sources"]
        ],
        empty="No data sources have been recorded for these measures.",
    )
