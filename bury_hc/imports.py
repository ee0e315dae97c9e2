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

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import BinaryIO

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


class TableStream:
    """An uploaded table read row by row, for files too big to hold as rows of dicts.

    The headings are read (and checked) when the stream is opened; iterating reads the rows
    from the start of the file each time, so a format may read a file twice. Rows are numbered
    as in a spreadsheet (the header is row 1, and blank rows count though they are skipped).
    Problems with the shape of a row (more cells than headings) are collected in `problems`
    as the rows are read. Python's csv module reads CSV (pandas would hold the whole file);
    openpyxl's read-only mode reads Excel.
    """

    def __init__(
        self,
        *,
        file_name: str,
        sha256: str,
        headers: list[str],
        opener: Callable[[], Iterator[Sequence[object]]],
    ) -> None:
        self.file_name = file_name
        self.sha256 = sha256
        self.headers = headers
        self.problems: list[ImportProblem] = []
        self._opener = opener

    def row_count(self) -> int:
        """How many rows below the headings hold anything (reads the whole file)."""
        records = self._opener()
        next(records, None)
        return sum(1 for record in records if any(_cell_text(cell) for cell in record))

    def __iter__(self) -> Iterator[TableRow]:
        headers = self.headers
        for number, record in self.records():
            yield TableRow(number=number, cells=dict(zip(headers, record, strict=False)))

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """The rows as (row number, cells as text, as many as there are headings): the fast
        way through a big file. Blank rows are skipped; rows with more cells than headings
        are noted in `problems`."""
        self.problems = []
        width = len(self.headers)
        records = self._opener()
        next(records, None)  # the headings
        for number, record in enumerate(records, start=2):
            if len(record) > width:
                if any(_cell_text(cell) for cell in record[width:]):
                    self.problems.append(
                        ImportProblem(
                            number,
                            None,
                            "This row has more cells than there are headings: look for a stray "
                            "comma, or a comma in a cell that is not inside quotation marks.",
                        )
                    )
                record = record[:width]
            if not all(type(cell) is str for cell in record):  # Excel: numbers, dates
                record = [_cell_text(cell) for cell in record]
            elif len(record) < width:
                record = [*record, *([""] * (width - len(record)))]
            if any(record) and any(cell.strip() for cell in record):
                yield number, record  # type: ignore[misc]


def table_stream(
    *, file_name: str, content: bytes | None = None, path: Path | None = None
) -> TableStream:
    """Open a CSV or Excel file (given as bytes or as a path) to be read row by row.

    Raises ImportRefused, naming the problem, when the file cannot be read as a table or its
    headings are missing or repeated.
    """
    if (content is None) == (path is None):
        raise ValueError("Give the file's content or its path, not both.")
    suffix = PurePath(file_name).suffix.lower()
    sha256, size = _file_digest(content=content, path=path)
    if not size:
        raise ImportRefused([ImportProblem(None, None, "The file is empty.")])

    def binary() -> BinaryIO:
        return io.BytesIO(content) if content is not None else path.open("rb")  # type: ignore[union-attr]

    if suffix in EXCEL_SUFFIXES:
        opener = _excel_opener(binary, file_name)
    elif suffix in CSV_SUFFIXES or not suffix:
        opener = _csv_opener(binary, _encoding_detect(binary))
    else:
        raise ImportRefused(
            [ImportProblem(None, None, f"“{file_name}” is not a CSV or Excel (.xlsx) file.")]
        )
    first = next(opener(), None)
    if first is None or not any(_cell_text(cell) for cell in first):
        raise ImportRefused([ImportProblem(1, None, "The first row should hold the headings.")])
    headers = [_clean_header(name) for name in first]
    while headers and not headers[-1]:  # trailing empty cells in the heading row
        headers.pop()
    problems = _header_problems(headers)
    if problems:
        raise ImportRefused(problems)
    return TableStream(file_name=file_name, sha256=sha256, headers=headers, opener=opener)


def _file_digest(*, content: bytes | None, path: Path | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    if content is not None:
        digest.update(content)
        return digest.hexdigest(), len(content.strip())
    size = 0
    with path.open("rb") as handle:  # type: ignore[union-attr]
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk.strip())
    return digest.hexdigest(), size


def _encoding_detect(binary: Callable[[], BinaryIO]) -> str:
    """UTF-8 (with or without a byte-order mark) if every byte decodes, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with binary() as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _csv_opener(
    binary: Callable[[], BinaryIO], encoding: str
) -> Callable[[], Iterator[Sequence[object]]]:
    def records() -> Iterator[Sequence[object]]:
        with binary() as handle, io.TextIOWrapper(handle, encoding=encoding, newline="") as text:
            try:
                yield from csv.reader(text)
            except csv.Error as exc:
                raise ImportRefused(
                    [ImportProblem(None, None, f"The file could not be read as CSV: {exc}")]
                ) from exc

    return records


def _excel_opener(
    binary: Callable[[], BinaryIO], file_name: str
) -> Callable[[], Iterator[Sequence[object]]]:
    def records() -> Iterator[Sequence[object]]:
        from openpyxl import load_workbook

        with binary() as handle:
            try:
                workbook = load_workbook(handle, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a broken file
                raise ImportRefused(
                    [ImportProblem(None, None, f"“{file_name}” could not be read as Excel.")]
                ) from exc
            try:
                for record in workbook.worksheets[0].iter_rows(values_only=True):
                    yield ["" if cell is None else cell for cell in record]
            finally:
                workbook.close()

    return records


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
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():  # Excel stores every number as a float
        return str(int(value))
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
    sha256: str | None = None,
) -> tuple[ImportBatch, Change]:
    """Record that a file, already checked clean, is being loaded; returns its batch.

    A file is identified by kind, name, format and the SHA-256 of its bytes: loading the same
    file again returns the batch it was first loaded under, so re-runs add no batches. Call it
    only after the whole file has passed its checks. A file too big to hold in memory passes
    its `sha256` (from `table_stream`) instead of its `content`.
    """
    sha256 = sha256 or hashlib.sha256(content).hexdigest()
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
