"""The pack as a workbook: one sheet per section, figures stored as numbers with a number
format (percentages as fractions shown with %, money in pounds). A draft's every sheet starts
with "Draft — not for publication" in its first row and in its printed header."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.styles import Font

from bury_hc.exports import csv_cell as spreadsheet_safe
from scrutiny.render import DRAFT_NOTICE

MAX_SHEET_NAME = 31
BOLD = Font(bold=True)
POUNDS = '"£"#,##0;"−£"#,##0'
COLUMN_WIDTHS = (50, 14, 18, 18, 18, 22, 30, 45, 45, 14, 14, 14, 14, 14, 14)


@dataclass(frozen=True)
class Cell:
    """A number and how Excel should show it."""

    value: Decimal | None
    number_format: str


def _number(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _measure_value(row: dict[str, Any]) -> Cell:
    """A measure's value as a number: a percentage as a fraction shown with %, so that 85% is
    0.85 to Excel; others with thousands separators at the measure's decimal places."""
    value = _number(row["value"])
    places = int(row.get("decimal_places") or 0)
    decimals = "." + "0" * places if places else ""
    if row.get("unit") == "percentage":
        return Cell(None if value is None else value / 100, f"0{decimals}%")
    if row.get("unit") == "pounds":
        return Cell(value, f"£#,##0{decimals}")
    return Cell(value, f"#,##0{decimals}")


def _sheet_name(title: str) -> str:
    """The title as a sheet's name: Excel allows 31 characters, so a longer title is cut at a
    word and marked with an ellipsis."""
    if len(title) <= MAX_SHEET_NAME:
        return title
    cut = title[: MAX_SHEET_NAME - 1].rsplit(" ", 1)[0] or title[: MAX_SHEET_NAME - 1]
    return f"{cut}…"


class Workbook:
    """The workbook being written, and whether each sheet carries the draft mark."""

    def __init__(self, content: dict[str, Any]) -> None:
        from openpyxl import Workbook as OpenpyxlWorkbook

        self.book = OpenpyxlWorkbook()
        self.draft = bool(content.get("draft"))
        self.first = True

    def sheet(self, title: str):
        if self.first:
            sheet, self.first = self.book.active, False
            sheet.title = _sheet_name(title)
        else:
            sheet = self.book.create_sheet(title=_sheet_name(title))
        if self.draft:
            sheet.append([DRAFT_NOTICE])
            sheet["A1"].font = BOLD
            sheet.oddHeader.center.text = DRAFT_NOTICE
        return sheet

    def table(
        self, title: str, header: list[str], rows: list[list[Any]], *, notes: tuple[str, ...] = ()
    ) -> None:
        sheet = self.sheet(title)
        for note in notes:
            sheet.append([spreadsheet_safe(note)])
        sheet.append(header)
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD
        sheet.freeze_panes = f"A{sheet.max_row + 1}"
        for row in rows:
            sheet.append([_plain(value) for value in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, Cell):
                    cell.number_format = value.number_format
        for column, width in zip("ABCDEFGHIJKLMNO", COLUMN_WIDTHS, strict=False):
            sheet.column_dimensions[column].width = width

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, Cell):
        return value.value
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _notes(*sentences: str | None) -> tuple[str, ...]:
    return tuple(sentence for sentence in sentences if sentence)


def render_xlsx(content: dict[str, Any]) -> bytes:
    workbook = Workbook(content)
    about = workbook.sheet("About")
    for pair in (
        ("Pack", content["title"]),
        ("Committee", content["committee"]),
        ("Meeting date", content["meeting_date"]),
        ("Quarter", content["quarter"]),
        ("State", "Draft" if content.get("draft") else "Published"),
    ):
        about.append([spreadsheet_safe(v) for v in pair])
    if content.get("cover"):
        workbook.table(
            "Report cover",
            ["Heading", "Text"],
            [[f["heading"], "\n\n".join(f["paragraphs"])] for f in content["cover"]],
        )
    _performance(workbook, content.get("performance"))
    _programmes(workbook, content.get("programmes"))
    _fund(workbook, content.get("fund"))
    changes = content.get("changes")
    if changes and changes["since"]:
        workbook.table(
            "What changed",
            ["Measure or milestone", "What changed"],
            [[c["name"], c["changes"]] for c in changes["measures"] + changes["milestones"]],
            notes=(f"Compared with {changes['since']}.",),
        )
    return workbook.save()


def _rank_groups(rows: list[dict[str, Any]]) -> list[str]:
    groups: list[str] = []
    for row in rows:
        for rank in row.get("ranks", []):
            if rank["group"] not in groups:
                groups.append(rank["group"])
    return groups


def _measure_rows(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The measures with their computed ranks (in words, as on the dashboard, and as numbers
    per comparator group) and where the published report differs."""
    groups = _rank_groups(rows)
    header = [
        "Measure",
        "Latest value",
        "Unit",
        "Period",
        "Direction of travel",
        "Against target",
        "Target",
        "Rank among comparators",
        "Differs from the published report",
    ]
    for group in groups:
        header += [f"Rank in {group}", f"Out of ({group})"]
    table = []
    for r in rows:
        ranks = {rank["group"]: rank for rank in r.get("ranks", [])}
        line = [
            r["name"],
            _measure_value(r),
            r.get("unit_label", r["unit"]),
            r["period"],
            r.get("direction_text") or r["direction_label"],
            r.get("status_text") or r["status_label"],
            r["target_text"],
            "\n".join(rank.get("sentence", "") for rank in r.get("ranks", [])),
            "\n".join(r.get("published_differences", [])),
        ]
        for group in groups:
            rank = ranks.get(group) or {}
            line += [rank.get("rank"), rank.get("out_of")]
        table.append(line)
    return header, table


def _performance(workbook: Workbook, performance: dict[str, Any] | None) -> None:
    if not performance:
        return
    workbook.table(
        "Highlight report",
        *_measure_rows(performance["highlights"]),
        notes=_notes(performance.get("highlights_targets_note")),
    )
    for section in performance["sections"]:
        if section["rows"]:
            workbook.table(
                section["label"],
                *_measure_rows(section["rows"]),
                notes=_notes(section.get("targets_note")),
            )
    workbook.table(
        "Data sources",
        ["Measure", "Data source", "What good looks like"],
        [
            [m["name"], m["data_source"], m["what_good_looks_like"]]
            for m in performance["data_sources"]
        ],
    )


def _programmes(workbook: Workbook, programmes: list[dict[str, Any]] | None) -> None:
    if not programmes:
        return
    workbook.table(
        "Programme delivery",
        ["Programme", "Milestone", "This quarter", "Last quarter", "Commentary", "Path to green"],
        [
            [
                p["name"],
                m["title"],
                m["status_label"],
                m["previous_label"],
                m["commentary"],
                m["path_to_green"],
            ]
            for p in programmes
            for m in p["milestones"]
        ],
    )


def _fund(workbook: Workbook, fund: dict[str, Any] | None) -> None:
    if not fund:
        return
    pools = [*fund["pools"], fund["total"]] if fund.get("total") else []
    workbook.table(
        "Integrated Care Fund",
        [
            "Pool",
            "Budget (£)",
            "Actual to date (£)",
            "Forecast outturn (£)",
            "Variance (£)",
            "Status",
            "Lines reported",
        ],
        [
            [
                p["label"],
                Cell(_number(p["budget"]), POUNDS),
                Cell(_number(p["actual_to_date"]), POUNDS),
                Cell(_number(p["forecast_outturn"]), POUNDS),
                Cell(_number(p["variance"]), POUNDS),
                p["status_label"],
                p["reported"],
            ]
            for p in pools
        ],
        notes=_notes(fund.get("note")),
    )
