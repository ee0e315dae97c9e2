"""The pack says what the screen says: the dashboard's computed ranks (with the published rank
beside them where they differ), the fund at the pack's quarter or its latest signed-off quarter,
and a draft marked as a draft on every page of every format, the published pack not at all."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from bury_hc.periods import Quarter
from performance import selectors as performance
from scrutiny import selectors, services
from scrutiny.render import DRAFT_NOTICE, render_pack
from scrutiny.render.xlsx import POUNDS

ALL_SECTIONS = ["cover", "performance", "programmes", "fund", "changes"]
WAITING = "Number of people on waiting list for ASC needs assessment"
MEDIAN = "Median number of days waiting for an ASC needs assessment"
ASKED = "Proportion of people that were asked about their outcomes"
FUND_NOTE = "No 2024/25 Q4 figures have been entered; the latest signed-off quarter is 2021/22 Q1"
# 2021/22 Q1, the demo's latest signed-off quarter: pooled, aligned, in view, the whole fund.
FUND_BUDGETS = {
    "Pooled budget": 330_000_000,
    "Aligned budget": 150_000_000,
    "In-view budget": 40_000_000,
    "Integrated Care Fund": 520_000_000,
}
# A number run into a word ("£43,369,000at"); ordinals ("12th") and "£330.0m" are words.
RUN_TOGETHER = re.compile(r"\d(?!(?:st|nd|rd|th)\b)[a-z]{2,}")


def words(text: str) -> str:
    return " ".join(text.split())


def assert_clean(text: str) -> None:
    assert "<sup>" not in text
    assert "---" not in text
    assert not RUN_TOGETHER.findall(text), RUN_TOGETHER.findall(text)


@pytest.fixture
def draft_and_published(demo, demo_officer):
    """(draft content, published content) of the demo pack with every section."""
    demo.sections = ALL_SECTIONS
    demo.save()
    draft = selectors.pack_content(pack=demo)
    published = selectors.pack_content(pack=services.pack_publish(pack=demo, by=demo_officer))
    return draft, published


def dashboard_rank_sentences() -> dict[str, list[str]]:
    return {
        row.measure_name: [rank.sentence for rank in row.ranks]
        for row in performance.dashboard_rows(quarter=Quarter(2024, 4), highlight_only=True)
    }


def test_pack_ranks_are_the_dashboards_computed_ranks(client, draft_and_published):
    from django.contrib.auth.models import User

    draft, published = draft_and_published
    on_screen = dashboard_rank_sentences()
    for content in (draft, published):
        in_pack = {
            row["name"]: [rank["sentence"] for rank in row["ranks"]]
            for row in content["performance"]["highlights"]
        }
        assert in_pack == on_screen
    directions = {
        row.measure_name: row.direction_text
        for row in performance.dashboard_rows(quarter=Quarter(2024, 4), highlight_only=True)
    }
    for content in (draft, published):
        assert {
            row["name"]: row["direction_text"] for row in content["performance"]["highlights"]
        } == directions
    waiting = on_screen[WAITING]
    assert any(s.startswith("3rd of 9 in Greater Manchester") for s in waiting)

    client.force_login(User.objects.get(username="board.member"))
    page = client.get(reverse("performance:highlights"), {"quarter": "2024-25-Q4"})
    html = page.content.decode()
    for sentences in on_screen.values():
        for sentence in sentences:
            assert sentence in html
    assert draft["performance"]["highlights_targets_note"]  # said once, as on the screen
    assert draft["performance"]["highlights_targets_note"] in html
    median = next(r for r in draft["performance"]["highlights"] if r["name"] == MEDIAN)
    assert any("published 4th of 10" in d for d in median["published_differences"])


def test_fund_section_uses_the_latest_signed_off_quarter_in_words(draft_and_published):
    draft, _ = draft_and_published
    fund = draft["fund"]

    assert fund["note"].startswith(FUND_NOTE)
    assert fund["shown_quarter"] == "2021/22 Q1"
    figures = {p["label"]: Decimal(p["budget"]) for p in [*fund["pools"], fund["total"]]}
    assert figures == FUND_BUDGETS


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_marks_a_draft_on_every_page_and_prints_the_screens_figures(draft_and_published):
    draft, published = draft_and_published
    draft_pdf = render_pack(content=draft, export_format="pdf")
    published_pdf = render_pack(content=published, export_format="pdf")

    draft_pages, published_pages = pdf_pages(draft_pdf), pdf_pages(published_pdf)
    assert all(DRAFT_NOTICE in page and "DRAFT" in page for page in draft_pages)
    assert not any("DRAFT" in page or DRAFT_NOTICE in page for page in published_pages)
    assert draft_pdf != published_pdf
    for pages in (draft_pages, published_pages):
        text = words("\n".join(pages))
        assert_clean("\n".join(pages))
        assert FUND_NOTE in text
        for budget in FUND_BUDGETS.values():
            assert f"£{budget:,}" in text
        assert "£0 " not in text
        assert "Quarter: Draft" not in text
        for sentences in dashboard_rank_sentences().values():
            for sentence in sentences:
                assert words(sentence) in text


def test_word_marks_a_draft_in_its_header_and_numbers_its_pages(draft_and_published):
    from docx import Document

    draft, published = draft_and_published
    for content, is_draft in ((draft, True), (published, False)):
        document = Document(io.BytesIO(render_pack(content=content, export_format="docx")))
        section = document.sections[0]
        header = "\n".join(p.text for p in section.header.paragraphs)
        header_xml = section.header._element.xml
        assert (DRAFT_NOTICE in header) is is_draft
        assert ('string="DRAFT"' in header_xml) is is_draft  # the watermark
        footer_xml = section.footer._element.xml
        assert 'w:instr="PAGE"' in footer_xml
        assert 'w:instr="NUMPAGES"' in footer_xml
        properties = document.core_properties
        assert properties.title == content["title"]
        assert properties.author == "Bury Integrated Care Partnership"
        assert properties.created.date().isoformat() == content["document_date"]

        assert all(len(table.rows) > 1 for table in document.tables)  # no header-only table
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        body = "\n".join([p.text for p in document.paragraphs] + cells)
        assert_clean(body)
        assert FUND_NOTE in body
        for budget in FUND_BUDGETS.values():
            assert f"£{budget:,}" in cells
        ranks = "\n".join(dashboard_rank_sentences()[WAITING])
        assert any(cell.startswith(ranks) for cell in cells)


def test_excel_marks_a_draft_in_every_first_row_with_formatted_numbers(draft_and_published):
    from openpyxl import load_workbook

    draft, published = draft_and_published
    for content, is_draft in ((draft, True), (published, False)):
        workbook = load_workbook(io.BytesIO(render_pack(content=content, export_format="xlsx")))
        first_rows = [sheet["A1"].value for sheet in workbook]
        if is_draft:
            assert first_rows == [DRAFT_NOTICE] * len(workbook.sheetnames)
        else:
            assert DRAFT_NOTICE not in first_rows
        assert_clean(
            "\n".join(
                str(v)
                for sheet in workbook
                for row in sheet.iter_rows(values_only=True)
                for v in row
            )
        )

        highlights = workbook["Highlight report"]
        rows = list(highlights.iter_rows())
        header_at = next(i for i, row in enumerate(rows) if row[0].value == "Measure")
        header = [cell.value for cell in rows[header_at]]
        assert {"Rank among comparators", "Rank in GM", "Out of (GM)"} <= set(header)
        by_name = {row[0].value: row for row in rows[header_at + 1 :]}
        asked = by_name[ASKED]
        assert asked[1].value == Decimal("0.85") or asked[1].value == pytest.approx(0.85)
        assert asked[1].number_format == "0%"
        assert asked[header.index("Unit")].value == "Per cent"
        waiting = by_name[WAITING]
        assert waiting[header.index("Rank in GM")].value == 3
        assert waiting[header.index("Out of (GM)")].value == 9
        assert (
            waiting[header.index("Rank among comparators")].value.splitlines()
            == (dashboard_rank_sentences()[WAITING])
        )

        fund = {row[0].value: row for row in workbook["Integrated Care Fund"].iter_rows()}
        assert any(FUND_NOTE in str(label) for label in fund)
        for label, budget in FUND_BUDGETS.items():
            assert fund[label][1].value == budget
            assert fund[label][1].number_format == POUNDS


def test_pasted_markup_and_separator_lines_do_not_reach_the_pack(draft_pack):
    draft_pack.cover = {"summary": "Rated 12<sup>th</sup> highest.\n\n---\n\nNext paragraph."}
    draft_pack.save()

    cover = selectors.pack_content(pack=draft_pack)["cover"]

    assert cover[0]["paragraphs"] == ["Rated 12th highest.", "Next paragraph."]


def test_fund_section_at_a_quarter_with_figures_says_whether_they_are_signed_off(
    demo, demo_officer
):
    signed_fund, drafted_fund = (
        selectors.pack_content(
            pack=services.pack_create(
                meeting=demo.meeting,
                quarter=Quarter(2021, number),
                title=f"Q{number}",
                sections=["fund"],
                by=demo_officer,
            )
        )["fund"]
        for number in (1, 2)
    )

    assert signed_fund["note"] == "The 2021/22 Q1 figures, signed off by the finance lead."
    assert drafted_fund["note"].startswith("The 2021/22 Q2 figures as entered so far")
    assert drafted_fund["shown_quarter"] == "2021/22 Q2"
    assert Decimal(drafted_fund["total"]["budget"]) == FUND_BUDGETS["Integrated Care Fund"]


def test_fund_section_with_nothing_signed_off_says_so_and_shows_no_zeros(draft_pack):
    from docx import Document
    from openpyxl import load_workbook

    draft_pack.sections = ["fund"]
    draft_pack.save()

    content = selectors.pack_content(pack=draft_pack)

    note = "No 2024/25 Q4 figures have been entered, and no earlier quarter has been signed off."
    assert content["fund"]["note"] == note
    assert content["fund"]["total"] is None
    document = Document(io.BytesIO(render_pack(content=content, export_format="docx")))
    assert note in [p.text for p in document.paragraphs]
    assert document.tables == []
    workbook = load_workbook(io.BytesIO(render_pack(content=content, export_format="xlsx")))
    values = [
        v for row in workbook["Integrated Care Fund"].iter_rows(values_only=True) for v in row
    ]
    assert note in values
    assert 0 not in values


def test_a_pack_with_no_figures_has_sentences_not_header_only_tables(draft_pack):
    from docx import Document

    from scrutiny.render.html import render_pack_html

    draft_pack.sections = ["performance", "programmes", "changes"]
    draft_pack.save()
    content = selectors.pack_content(pack=draft_pack)

    html = render_pack_html(content)
    tables = re.findall(r"<table.*?</table>", html, flags=re.DOTALL)
    assert all(table.count("<tr") > 1 for table in tables)
    assert "No highlight measures have figures for this quarter." in html
    document = Document(io.BytesIO(render_pack(content=content, export_format="docx")))
    assert all(len(table.rows) > 1 for table in document.tables)
    paragraphs = [p.text for p in document.paragraphs]
    assert "No highlight measures have figures for this quarter." in paragraphs
    assert "There is no earlier published pack to compare with." in paragraphs


def section_tables_on_screen() -> dict[str, dict[str, list[str]]]:
    """Each section page's measures with their rank sentences and direction words, as the
    dashboard computes them for the pack's quarter (the section pages show the same rows)."""
    by_section: dict[str, dict[str, list[str]]] = {}
    for row in performance.dashboard_rows(quarter=Quarter(2024, 4)):
        by_section.setdefault(row.section_label, {})[row.measure_name] = [
            *(rank.sentence for rank in row.ranks),
            row.direction_text or row.direction_vs_previous_label,
        ]
    return by_section


def test_section_tables_carry_the_screens_ranks_and_directions(draft_and_published):
    """Not only the highlight table: every section's table prints, for each measure, the ranks
    and the direction of travel that its section page shows (preview and PDF share the HTML)."""
    import lxml.html
    from docx import Document

    from scrutiny.render.html import render_pack_html

    draft, _ = draft_and_published
    on_screen = section_tables_on_screen()
    ranked = sum(1 for rows in on_screen.values() for lines in rows.values() if len(lines) > 1)
    assert ranked >= 3  # not a test of empty tables: the demo's sections have ranked measures

    page = lxml.html.fromstring(render_pack_html(draft))
    document = Document(io.BytesIO(render_pack(content=draft, export_format="docx")))
    word_rows = {
        row.cells[0].text: " ".join(c.text for c in row.cells)
        for table in document.tables
        if table.rows and table.rows[0].cells[-1].text == "Trend"
        for row in table.rows[1:]
    }
    for section in (s for s in draft["performance"]["sections"] if s["rows"]):
        (table,) = page.xpath(
            "//table[caption[starts-with(normalize-space(), $caption)]]",
            caption=f"{section['label']}: figures",
        )
        html_rows = {
            words(tr.xpath("string(th)")): words(" ".join(tr.itertext()))
            for tr in table.xpath("tbody/tr")
        }
        for name, lines in on_screen[section["label"]].items():
            for line in lines:
                assert words(line) in html_rows[name], (section["label"], name, line)
                assert words(line) in words(word_rows[name]), (section["label"], name, line)
