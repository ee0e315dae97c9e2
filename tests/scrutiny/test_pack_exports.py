"""The pack's files: PDF, Word and Excel, made by the export task (eager here)."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal

import pytest

from scrutiny import services
from scrutiny.models import PackExport

SECTION_HEADINGS = [
    "Contents",
    "Report cover",
    "Recommendations",
    "Adult Social Care Performance Report for 2024/25 Q4",
    "Highlight report",
    "Waiting lists",
    "Appendix: Data sources and what good looks like",
]


@pytest.fixture
def export_of(demo, demo_officer, django_capture_on_commit_callbacks):
    def make(export_format: str) -> PackExport:
        with django_capture_on_commit_callbacks(execute=True):
            export = services.pack_export_request(
                pack=demo, export_format=export_format, by=demo_officer
            )
        export.refresh_from_db()
        assert export.state == PackExport.State.DONE, export.error
        with export.file.open("rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == export.sha256
        return export, data

    return make


def test_pdf_export_is_a_tagged_a4_pack_with_numbered_pages(export_of):
    from pypdf import PdfReader

    _, data = export_of("pdf")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)

    for heading in SECTION_HEADINGS:
        assert heading in text
    flowing = " ".join(text.split())  # table cells wrap differently as their text changes
    assert re.search(r"Number of people on waiting list for ASC needs assessment 54\b", flowing)
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "Health Scrutiny Committee, 19 June 2025" in reader.pages[2].extract_text()
    assert "To note the report." in text
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_docx_export_has_heading_styles_and_figures(export_of):
    from docx import Document

    _, data = export_of("docx")
    document = Document(io.BytesIO(data))
    headings = {
        p.text: p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")
    }
    assert headings["Report cover"] == "Heading 1"
    assert headings["Adult Social Care Performance Report for 2024/25 Q4"] == "Heading 1"
    assert headings["Highlight report"] == "Heading 2"
    assert headings["Waiting lists"] == "Heading 2"
    assert headings["Appendix: Data sources and what good looks like"] == "Heading 1"
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "Number of people on waiting list for ASC needs assessment" in cells
    assert "54" in cells
    assert any(p.style.name == "List Number" for p in document.paragraphs)


def test_xlsx_export_has_a_sheet_per_section_with_numbers(export_of):
    from openpyxl import load_workbook

    _, data = export_of("xlsx")
    workbook = load_workbook(io.BytesIO(data))
    assert {"Report cover", "Highlight report", "Waiting lists", "Data sources"} <= set(
        workbook.sheetnames
    )
    rows = list(workbook["Highlight report"].iter_rows(values_only=True))
    waiting = next(r for r in rows if r[0] and r[0].startswith("Number of people on waiting"))
    assert waiting[1] == 54
    assert isinstance(waiting[1], int | float | Decimal)


def test_export_run_twice_makes_one_artefact(export_of):
    export, _ = export_of("xlsx")
    sha, name = export.sha256, export.file.name

    again = services.pack_export_run(export_id=export.pk)

    assert (again.sha256, again.file.name, again.attempts) == (sha, name, 1)


def test_a_long_section_title_is_cut_at_a_word_for_its_sheet_name():
    """Excel allows 31 characters in a sheet's name: "Adult Social Care Outcomes Framework"
    was cut to "Adult Social Care Outcomes Fram"."""
    from scrutiny.render.xlsx import Workbook

    book = Workbook({"draft": False})

    names = [
        book.sheet("Adult Social Care Outcomes Framework").title,
        book.sheet("Workforce").title,
    ]

    assert names == ["Adult Social Care Outcomes…", "Workforce"]
