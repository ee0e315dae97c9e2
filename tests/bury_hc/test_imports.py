"""The shared import reader: streaming tables row by row, and the period spellings added for
import files (British dates, Fingertips' spans of financial years)."""

from __future__ import annotations

import datetime as dt

import pytest

from bury_hc.imports import ImportRefused, import_batch_record, table_stream
from bury_hc.periods import PeriodParseError, PeriodType, parse_period


def test_table_stream_reads_rows_with_spreadsheet_numbers_and_clean_headings():
    content = "\ufeffArea ,Value\r\nBury,54\r\n\r\n,\r\nOldham,72\r\n".encode()

    stream = table_stream(file_name="values.csv", content=content)

    assert stream.headers == ["Area", "Value"]
    assert [(row.number, row.get("Area"), row.get("Value")) for row in stream] == [
        (2, "Bury", "54"),
        (5, "Oldham", "72"),
    ]
    assert list(stream) == list(stream)  # it can be read twice
    assert stream.row_count() == 2


def test_table_stream_reads_a_file_from_disk_in_windows_1252(tmp_path):
    path = tmp_path / "values.csv"
    path.write_bytes("Area,Note\nBury,caf\xe9 \x96 closed\n".encode("latin-1"))

    stream = table_stream(file_name="values.csv", path=path)

    assert [row.get("Note") for row in stream] == ["café – closed"]
    assert len(stream.sha256) == 64


def test_table_stream_names_rows_with_too_many_cells():
    stream = table_stream(file_name="v.csv", content=b"Area,Value\nBury,1,234\nOldham,5\n")

    rows = list(stream)

    assert len(rows) == 2
    assert [(p.row, p.column) for p in stream.problems] == [(2, None)]
    assert "more cells than there are headings" in stream.problems[0].message


def test_too_many_cells_in_a_workbook_is_not_blamed_on_commas():
    """A workbook has no commas to look for: its message names cells beyond the headings (a
    title row above the headings is the usual cause)."""
    from tests.factories.files import xlsx_bytes

    content = xlsx_bytes([["Fund forecast, month 12"], ["Pooled", "Home care", 1000]])
    stream = table_stream(file_name="forecast.xlsx", content=content)

    list(stream)

    message = stream.problems[0].message
    assert "more cells than there are headings" in message
    assert "comma" not in message
    assert "title" in message


def test_a_utf16_file_is_named_as_such():
    """Excel's "Unicode Text" is UTF-16: say what it is and how to save it instead."""
    content = "Area,Value\nBury,54\n".encode("utf-16")

    with pytest.raises(ImportRefused) as refused:
        table_stream(file_name="values.csv", content=content)

    message = refused.value.problems[0].message
    assert "UTF-16" in message
    assert "CSV UTF-8" in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "“v.csv” is empty: choose the file that holds your table."),
        (b"Area,,Value\nBury,1,2\n", "Column 2 has no heading."),
        (b"Area,area\nBury,Bury\n", "This heading appears twice; rename one."),
    ],
)
def test_table_stream_refuses_unreadable_files(content, message):
    with pytest.raises(ImportRefused) as refused:
        table_stream(file_name="v.csv", content=content)

    assert refused.value.problems[0].message == message


def test_table_stream_refuses_other_kinds_of_file():
    with pytest.raises(ImportRefused, match="problem"):
        table_stream(file_name="report.pdf", content=b"%PDF-1.4")


def test_table_stream_reads_excel_cells_as_text(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Area", "When", "Value", "Rate"])
    workbook.active.append(["Bury", dt.date(2025, 3, 31), 54.0, 35.8])
    path = tmp_path / "values.xlsx"
    workbook.save(path)

    rows = list(table_stream(file_name="values.xlsx", path=path))

    assert rows[0].cells == {"Area": "Bury", "When": "2025-03-31", "Value": "54", "Rate": "35.8"}


@pytest.mark.django_db
def test_import_batch_record_takes_a_checksum_for_big_files():
    batch, change = import_batch_record(
        kind="observations",
        file_name="big.csv",
        content=b"",
        sha256="a" * 64,
        file_format="template",
        source="Tests",
    )
    again, second = import_batch_record(
        kind="observations",
        file_name="big.csv",
        content=b"",
        sha256="a" * 64,
        file_format="template",
        source="Tests",
    )

    assert (change, second, again) == ("created", "unchanged", batch)
    assert batch.sha256 == "a" * 64


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("31/03/2025", PeriodType.DAY, dt.date(2025, 3, 31), dt.date(2025, 3, 31), "31 March 2025"),
        ("1/4/2024", PeriodType.DAY, dt.date(2024, 4, 1), dt.date(2024, 4, 1), "1 April 2024"),
        (
            "2019/20 - 21/22",
            PeriodType.MULTI_YEAR,
            dt.date(2019, 4, 1),
            dt.date(2022, 3, 31),
            "2019/20 to 2021/22",
        ),
        (
            "2019/20-2021/22",
            PeriodType.MULTI_YEAR,
            dt.date(2019, 4, 1),
            dt.date(2022, 3, 31),
            "2019/20 to 2021/22",
        ),
        (
            "2021 - 23",
            PeriodType.MULTI_YEAR,
            dt.date(2021, 1, 1),
            dt.date(2023, 12, 31),
            "2021 to 2023",
        ),
    ],
)
def test_parse_period_reads_import_file_spellings(text, kind, start, end, label):
    period = parse_period(text)

    assert (period.type, period.start, period.end, period.label) == (kind, start, end, label)


@pytest.mark.parametrize("text", ["31/02/2025", "2019/20 - 18/19", "2019/21 - 21/22"])
def test_parse_period_refuses_impossible_dates_and_spans(text):
    with pytest.raises(PeriodParseError):
        parse_period(text)


# --- hostile files: every one refused by name, with what to do ----------------------------

from bury_hc.imports import SMALL_TABLE, ReadLimits, table_read  # noqa: E402
from tests.factories.files import (  # noqa: E402
    PNG,
    broken_xml_xlsx,
    entity_xlsx,
    huge_cell_xlsx,
    wide_csv,
    xlsx_bytes,
    zip_bomb_xlsx,
)


@pytest.mark.parametrize(
    ("file_name", "content", "says"),
    [
        ("figures.csv", PNG, "is a PNG image, not a CSV file"),
        ("figures.csv", b"PK\x03\x04" + bytes(40), "is an Excel workbook or another zip file"),
        ("figures.csv", b"Area,Value\nBury,\x81\x8d\x8f\n", "save it as CSV UTF-8"),
        ("figures.csv", b"Area,Value\n\x00\x00", "is not a text file"),
        ("figures.csv", b"   \r\n\t", "is empty"),
        ("figures.xlsx", b"Area,Value\nBury,1\n", "is not an Excel workbook"),
        ("figures.xlsx", PNG, "is not an Excel workbook"),
        ("figures.xlsx", zip_bomb_xlsx(), "possible zip bomb"),
        ("figures.xlsx", entity_xlsx(), "could not be read as an Excel workbook"),
        ("figures.xlsx", broken_xml_xlsx(), "could not be read as an Excel workbook"),
        ("figures.csv", wide_csv(), "has more than 200 columns"),
        ("figures.csv", b"Area,Note\nBury," + b"x" * 40_000 + b"\n", "a cell of more than"),
        ("figures.csv", b"Area\n" + b"x" * 2_000_000, "a line longer than"),
        ("figures.csv", b"Area\n" + b"Bury\n" * 20_001, "more than 20,000 rows"),
        ("figures.csv", b'Area,Note\nBury,"' + b"x\n" * 70_000 + b'"\n', "could not be read"),
        ("figures.xlsx", huge_cell_xlsx(), "a cell of more than"),
    ],
)
def test_table_read_refuses_hostile_files_by_name(file_name, content, says):
    with pytest.raises(ImportRefused) as refused:
        table_read(file_name=file_name, content=content, limits=SMALL_TABLE)

    [problem] = refused.value.problems
    assert f"“{file_name}”" in problem.message
    assert says in problem.message


def test_a_repeated_heading_is_refused_by_every_reader():
    content = b"Owner,Value,owner\nAnn,1,Bob\n"

    for read in (table_read, table_stream):
        with pytest.raises(ImportRefused) as refused:
            read(file_name="plan.csv", content=content)
        assert [(p.row, p.column, p.message) for p in refused.value.problems] == [
            (1, "owner", "This heading appears twice; rename one.")
        ]


def test_a_bomb_is_refused_before_it_is_unpacked(monkeypatch):
    import openpyxl

    def must_not_open(*args, **kwargs):  # pragma: no cover - the point is it is not called
        raise AssertionError("openpyxl opened the bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", must_not_open)

    with pytest.raises(ImportRefused) as refused:
        list(table_stream(file_name="b.xlsx", content=zip_bomb_xlsx(), limits=ReadLimits()))

    assert "possible zip bomb" in refused.value.problems[0].message


def test_openpyxl_reads_xml_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_table_read_reads_a_clean_workbook_as_text():
    table = table_read(file_name="v.xlsx", content=xlsx_bytes([["Area", "Value"], ["Bury", 54]]))

    assert [row.cells for row in table] == [{"Area": "Bury", "Value": "54"}]
