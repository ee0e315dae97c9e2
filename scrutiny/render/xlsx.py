"""The pack as a workbook: one sheet per section, figures stored as numbers."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl.styles import Font

from bury_hc.exports import csv_cell as spreadsheet_safe

MAX_SHEET_NAME = 31
BOLD = Font(bold=True)


def _number(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def _sheet(workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = workbook.create_sheet(title=title[:MAX_SHEET_NAME])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append([spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJ", (50, 14, 18, 18, 18, 22, 30, 30, 30, 30), strict=False):
        sheet.column_dimensions[column].width = width


def render_xlsx(content: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = "About"
    for pair in (
        ("Pack", content["title"]),
        ("Committee", content["committee"]),
        ("Meeting date", content["meeting_date"]),
        ("Quarter", content["quarter"]),
    ):
        about.append([spreadsheet_safe(v) for v in pair])
    if content.get("cover"):
        _sheet(
            workbook,
            "Report cover",
            ["Heading", "Text"],
            [[f["heading"], "\n\n".join(f["paragraphs"])] for f in content["cover"]],
        )
    performance = content.get("performance")
    if performance:
        header = [
            "Measure",
            "Latest value",
            "Unit",
            "Period",
            "Direction of travel",
            "Status against target",
            "Target",
        ]
        _sheet(
            workbook,
            "Highlight report",
            header,
            [
                [
                    r["name"],
                    _number(r["value"]),
                    r["unit"],
                    r["period"],
                    r["direction_label"],
                    r["status_label"],
                    r["target_text"],
                ]
                for r in performance["highlights"]
            ],
        )
        for section in performance["sections"]:
            if section["rows"]:
                _sheet(
                    workbook,
                    section["label"],
                    header,
                    [
                        [
                            r["name"],
                            _number(r["value"]),
                            r["unit"],
                            r["period"],
                            r["direction_label"],
                            r["status_label"],
                            r["target_text"],
                        ]
                        for r in section["rows"]
                    ],
                )
        _sheet(
            workbook,
            "Data sources",
            ["Measure", "Data source", "What good looks like"],
            [
                [m["name"], m["data_source"], m["what_good_looks_like"]]
                for m in performance["data_sources"]
            ],
        )
    if content.get("programmes"):
        _sheet(
            workbook,
            "Programme delivery",
            [
                "Programme",
                "Milestone",
                "This quarter",
                "Last quarter",
                "Commentary",
                "Path to green",
            ],
            [
                [
                    p["name"],
                    m["title"],
                    m["status_label"],
                    m["previous_label"],
                    m["commentary"],
                    m["path_to_green"],
                ]
                for p in content["programmes"]
                for m in p["milestones"]
            ],
        )
    fund = content.get("fund")
    if fund:
        _sheet(
            workbook,
            "Integrated Care Fund",
            [
                "Pool",
                "Budget (£)",
                "Actual to date (£)",
                "Forecast outturn (£)",
                "Variance (£)",
                "Status",
            ],
            [
                [
                    p["label"],
                    _number(p["budget"]),
                    _number(p["actual_to_date"]),
                    _number(p["forecast_outturn"]),
                    _number(p["variance"]),
                    p["status_label"],
                ]
                for p in [*fund["pools"], fund["total"]]
            ],
        )
    changes = content.get("changes")
    if changes and changes["since"]:
        _sheet(
            workbook,
            "What changed",
            ["Measure or milestone", "What changed"],
            [[c["name"], c["changes"]] for c in changes["measures"] + changes["milestones"]],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
