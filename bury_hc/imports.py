"""Reading and checking import files: one mechanism for measure values, milestone plans and
finance figures.

An import is checked as a whole before anything is written. Every problem names the row (as
the user sees it in their spreadsheet: the header is row 1) and the column, and says what to
do. Only a clean file reaches the service that writes it, inside one transaction, under one
`ImportBatch` that records the file's name, sha256, format, source and who loaded it.

pandas reads the file (every cell as text, blanks kept blank) and goes no further than here:
callers get plain rows of strings.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser

from bury_hc.models import ImportBatch
from bury_hc.services import Change

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}
MAX_PROBLEMS_REPORTED = 200


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One thing wrong with an import file, where it is, and what to do about it."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.column:
            where.append(f"column “{self.column}”")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportRefused(Exception):
    """The file was not imported; nothing was written. `problems` says why."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.message))
        count = len(self.problems)
        super().__init__(f"The file was not imported: {count} problem{'s' if count != 1 else ''}.")


@dataclass(frozen=True)
class TableRow:
    number: int  # as the user sees it in a spreadsheet: the header is row 1
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


@dataclass
class TableFile:
    """An uploaded table: its name, checksum, headers and rows of text."""

    file_name: str
    sha256: str
    headers: list[str]
    rows: list[TableRow] = field(default_factory=list)

    def __iter__(self) -> Iterator[TableRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _clean_header(name: object) -> str:
    return re.sub(r"\s+", " ", str(name).replace("\ufeff", "")).strip()


def table_read(*, content: bytes, file_name: str, sheet: str | int | None = 0) -> TableFile:
    """Read a CSV or Excel file into text rows. Raises ImportRefused for unreadable files."""
    suffix = PurePath(file_name).suffix.lower()
    sha256 = hashlib.sha256(content).hexdigest()
    if not content.strip():
        raise ImportRefused([ImportProblem(None, None, "The file is empty.")])
    try:
        if suffix in EXCEL_SUFFIXES:
            frame = pd.read_excel(
                io.BytesIO(content),
                sheet_name=sheet,
                dtype=str,
                keep_default_na=False,
                engine="openpyxl",
            )
        elif suffix in CSV_SUFFIXES or not suffix:
            frame = pd.read_csv(
                io.StringIO(_decode_text(content)),
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=True,
                quoting=csv.QUOTE_MINIMAL,
            )
        else:
            raise ImportRefused(
                [ImportProblem(None, None, f"“{file_name}” is not a CSV or Excel (.xlsx) file.")]
            )
    except ImportRefused:
        raise
    except (ValueError, pd.errors.ParserError, KeyError, OSError) as exc:
        raise ImportRefused(
            [ImportProblem(None, None, f"The file could not be read as a table: {exc}")]
        ) from exc
    headers = [_clean_header(name) for name in frame.columns]
    problems = _header_problems(headers)
    if problems:
        raise ImportRefused(problems)
    frame.columns = headers
    rows = [
        TableRow(number=index + 2, cells={k: _cell_text(v) for k, v in record.items()})
        for index, record in enumerate(frame.to_dict(orient="records"))
        if any(_cell_text(v) for v in record.values())
    ]
    return TableFile(file_name=file_name, sha256=sha256, headers=headers, rows=rows)


def _decode_text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused([ImportProblem(None, None, "Save the file as CSV UTF-8 and try again.")])


def _cell_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00", text):  # a date cell read from Excel
        return text[:10]
    return text


def _header_problems(headers: list[str]) -> list[ImportProblem]:
    problems = []
    seen: set[str] = set()
    for position, name in enumerate(headers, start=1):
        if not name or name.startswith("Unnamed:"):
            problems.append(ImportProblem(1, None, f"Column {position} has no heading."))
        elif name.lower() in seen:
            problems.append(ImportProblem(1, name, "This heading appears twice; rename one."))
        seen.add(name.lower())
    return problems


def columns_missing(table: TableFile, required: Iterable[str]) -> list[ImportProblem]:
    """Problems for required headings the file lacks (compared without regard to case)."""
    present = {name.lower() for name in table.headers}
    return [
        ImportProblem(1, name, "This column is missing. Download the template to see the headings.")
        for name in required
        if name.lower() not in present
    ]


_NUMBER_JUNK = re.compile(r"[£,\s]")


def decimal_parse(
    text: str, *, row: int, column: str, percent_allowed: bool = True
) -> tuple[Decimal | None, ImportProblem | None]:
    """Read a number as people write it ("1,234", "£1,234.50", "85%", "(12)" for −12).

    Returns (value, None), (None, None) for a blank cell, or (None, problem).
    """
    raw = text.strip()
    if raw == "":
        return None, None
    cleaned = _NUMBER_JUNK.sub("", raw)
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    if cleaned.endswith("%"):
        if not percent_allowed:
            return None, ImportProblem(row, column, f"“{raw}” should be a number without a % sign.")
        cleaned = cleaned[:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, ImportProblem(row, column, f"“{raw}” is not a number.")
    if not value.is_finite():
        return None, ImportProblem(row, column, f"“{raw}” is not a number.")
    return (-value if negative else value), None


def import_batch_record(
    *,
    kind: ImportBatch.Kind | str,
    file_name: str,
    content: bytes,
    file_format: str,
    source: str,
    published_on: dt.date | None = None,
    row_count: int = 0,
    notes: str = "",
    imported_by: AbstractBaseUser | None = None,
) -> tuple[ImportBatch, Change]:
    """Record that a file, already checked clean, is being loaded; returns its batch.

    A file is identified by kind, name, format and the SHA-256 of its bytes: loading the same
    file again returns the batch it was first loaded under, so re-runs add no batches. Call it
    only after the whole file has passed its checks.
    """
    sha256 = hashlib.sha256(content).hexdigest()
    batch, created = ImportBatch.objects.get_or_create(
        kind=ImportBatch.Kind(kind),
        file_name=file_name,
        file_format=file_format,
        sha256=sha256,
        defaults={
            "source": source,
            "published_on": published_on,
            "row_count": row_count,
            "notes": notes,
            "imported_by": imported_by,
        },
    )
    return batch, ("created" if created else "unchanged")


def problems_truncated(problems: Sequence[ImportProblem]) -> tuple[list[ImportProblem], int]:
    """The first problems to show, and how many more there were."""
    shown = list(problems[:MAX_PROBLEMS_REPORTED])
    return shown, max(0, len(problems) - len(shown))
