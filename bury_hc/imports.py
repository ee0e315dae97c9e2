"""Reading and checking import files: one mechanism for measure values, milestone plans and
finance figures.

An import is checked as a whole before anything is written. Every problem names the row (as
the user sees it in their spreadsheet: the header is row 1) and the column, and says what to
do. Only a clean file reaches the service that writes it, inside one transaction, under one
`ImportBatch` that records the file's name, sha256, format, source and who loaded it.

One streaming reader reads every upload (measure values, finance figures, milestone plans):
Python's csv module for CSV, openpyxl's read-only mode for Excel (with defusedxml, so XML
entities are refused), every cell as text, blanks kept blank, within `ReadLimits` checked as
the file is read. Every way a file can fail to be a table is an `ImportRefused` naming the
file and saying what to do; nothing else escapes. pandas is not used to read uploads (it would
hold the whole file, and renames a repeated heading rather than refusing it).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any, BinaryIO, cast

from django.contrib.auth.models import User

from bury_hc.exports import csv_cell_unguard
from bury_hc.models import ImportBatch
from bury_hc.numbers import NumberFormat, NumberRefused, number_parse
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


@dataclass(frozen=True)
class ReadLimits:
    """How big a table a page takes, enforced while the file is read, so that no file (a zip
    bomb, 500,000 columns, one endless line) can hold a worker: a file over a limit is refused
    as soon as the reader reaches it. Excel files are measured before they are opened: the
    sizes their zip declares (which bound what can be unpacked) against `max_unzipped_bytes`
    and, for each part that unpacks to more than `ratio_checked_above` bytes,
    `max_zip_ratio` (real workbooks compress about 5 to 20 times)."""

    max_rows: int = 5_000_000
    max_columns: int = 1_000
    max_cell_chars: int = 32_767  # Excel's own limit for a cell
    max_line_chars: int = 1_048_576
    max_unzipped_bytes: int = 512 * 1024 * 1024
    max_zip_ratio: int = 100
    max_zip_members: int = 10_000
    ratio_checked_above: int = 10 * 1024 * 1024


# Figures and plans: a few hundred rows at most, each a few columns wide.
SMALL_TABLE = ReadLimits(max_rows=20_000, max_columns=200, max_unzipped_bytes=50 * 1024 * 1024)


def _refused(message: str) -> ImportRefused:
    return ImportRefused([ImportProblem(None, None, message)])


def table_read(*, content: bytes, file_name: str, limits: ReadLimits = SMALL_TABLE) -> TableFile:
    """Read a small CSV or Excel file into rows of text, with the streaming reader (so every
    upload is read, limited and refused the same way). A cell that `csv_cell` guarded against
    formula injection when the file was downloaded loses the guard again. Raises ImportRefused
    for a file that cannot be read as a table, is over a limit, has missing or repeated
    headings, or has rows with more cells than headings."""
    stream = table_stream(file_name=file_name, content=content, limits=limits)
    rows = [
        TableRow(row.number, {name: csv_cell_unguard(text) for name, text in row.cells.items()})
        for row in stream
    ]
    if stream.problems:
        raise ImportRefused(stream.problems)
    return TableFile(file_name=file_name, sha256=stream.sha256, headers=stream.headers, rows=rows)


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
        text_only: bool = False,
    ) -> None:
        self.file_name = file_name
        self.sha256 = sha256
        self.headers = headers
        self.problems: list[ImportProblem] = []
        self._opener = opener
        self._text_only = text_only  # every cell the opener gives is text (CSV)

    @property
    def _too_many_cells(self) -> str:
        if PurePath(self.file_name).suffix.lower() in EXCEL_SUFFIXES:
            return (
                "This row has more cells than there are headings: the headings must be in the "
                "first row (move any title above them out of the sheet), and every column that "
                "holds something needs a heading."
            )
        return (
            "This row has more cells than there are headings: look for a stray comma, or a "
            "comma in a cell that is not inside quotation marks."
        )

    def row_count(self) -> int:
        """How many rows below the headings hold anything (reads the whole file)."""
        records = self._opener()
        next(records, None)
        if self._text_only:  # CSV: a cell holds something if it holds more than spaces
            texts = cast(Iterator[list[str]], records)
            return sum(1 for record in texts if any(record) and "".join(record).strip())
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
        text_only = self._text_only
        for number, record in enumerate(records, start=2):
            if len(record) != width:
                if len(record) > width:
                    self._extra_cells_check(number, record[width:])
                    record = record[:width]
                elif text_only or all(type(cell) is str for cell in record):
                    record = [*record, *([""] * (width - len(record)))]
            if not text_only and not all(type(cell) is str for cell in record):  # Excel
                record = [_cell_text(cell) for cell in record]
            # Any cell holding more than spaces (all text by now): the join is one C call.
            if any(record) and "".join(record).strip():  # type: ignore[arg-type]
                yield number, record  # type: ignore[misc]

    def _extra_cells_check(self, number: int, extra: Sequence[object]) -> None:
        if any(_cell_text(cell) for cell in extra):
            self.problems.append(ImportProblem(number, None, self._too_many_cells))


def table_stream(
    *,
    file_name: str,
    content: bytes | None = None,
    path: Path | None = None,
    limits: ReadLimits = ReadLimits(),
) -> TableStream:
    """Open a CSV or Excel file (given as bytes or as a path) to be read row by row.

    Raises ImportRefused, naming the file and saying what to do, when it cannot be read as a
    table (not text, not a workbook, an XML entity, a broken zip), is over one of `limits`
    (also while its rows are read later), or its headings are missing or repeated.
    """
    if (content is None) == (path is None):
        raise ValueError("Give the file's content or its path, not both.")
    suffix = PurePath(file_name).suffix.lower()
    sha256, size = _file_digest(content=content, path=path)
    if not size:
        raise _refused(f"“{file_name}” is empty: choose the file that holds your table.")

    def binary() -> BinaryIO:
        return io.BytesIO(content) if content is not None else path.open("rb")  # type: ignore[union-attr]

    if suffix in EXCEL_SUFFIXES:
        opener = _excel_opener(binary, file_name, limits)
    elif suffix in CSV_SUFFIXES or not suffix:
        opener = _csv_opener(binary, file_name, limits)
    else:
        raise _refused(
            f"“{file_name}” is not a CSV or Excel (.xlsx) file: save it as one of those and "
            "upload it again."
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
    return TableStream(
        file_name=file_name,
        sha256=sha256,
        headers=headers,
        opener=opener,
        text_only=suffix not in EXCEL_SUFFIXES,
    )


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


_NOT_TEXT = {
    b"PK\x03\x04": "an Excel workbook or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook or another Office file",
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


def _encoding_detect(binary: Callable[[], BinaryIO], file_name: str) -> str:
    """UTF-8 (with or without a byte-order mark) if every byte decodes, else Windows-1252; a
    file that is neither, or holds bytes no text file has, is refused."""
    with binary() as handle:
        start = handle.read(1 << 16)
    for signature, what in _NOT_TEXT.items():
        if start.startswith(signature):
            raise _refused(
                f"“{file_name}” is {what}, not a CSV file: save your table as CSV (or as an "
                "Excel .xlsx workbook, named .xlsx) and upload it again."
            )
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _refused(
            f"“{file_name}” is saved as UTF-16 text (Excel calls it “Unicode Text”): save your "
            "table as CSV UTF-8 and upload it again."
        )
    if b"\x00" in start:
        raise _refused(
            f"“{file_name}” is not a text file, so it cannot be a CSV file: save your table as "
            "CSV UTF-8 and upload it again."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with binary() as handle:
                while chunk := handle.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _refused(
        f"“{file_name}” is not in a text encoding this page reads: save it as CSV UTF-8 and "
        "upload it again."
    )


class _Lines:
    """A text file's lines for the csv module, refusing any line longer than the limit before
    it is held (one endless line would otherwise be read whole), and counting the characters
    since the last record so that only long records have their cells measured."""

    def __init__(self, text: io.TextIOBase, *, file_name: str, limits: ReadLimits) -> None:
        self.text, self.file_name, self.limits = text, file_name, limits
        self.read_since = 0
        self._readline = text.readline
        self._longest = limits.max_line_chars

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._readline(self._longest + 1)
        length = len(line)
        if not length:
            raise StopIteration
        if length > self._longest:
            raise _refused(
                f"“{self.file_name}” has a line longer than {self.limits.max_line_chars:,} "
                "characters: check it is a table saved as CSV, with a line for each row."
            )
        self.read_since += length
        return line


def _csv_opener(
    binary: Callable[[], BinaryIO], file_name: str, limits: ReadLimits
) -> Callable[[], Iterator[Sequence[object]]]:
    encoding = _encoding_detect(binary, file_name)

    def records() -> Iterator[Sequence[object]]:
        with binary() as handle, io.TextIOWrapper(handle, encoding=encoding, newline="") as text:
            lines = _Lines(text, file_name=file_name, limits=limits)
            max_cell, max_columns, max_count = (
                limits.max_cell_chars,
                limits.max_columns,
                limits.max_rows + 1,
            )
            try:
                # The limits are checked here rather than by _limited: a generator fewer for
                # each row of a big file.
                for count, record in enumerate(csv.reader(lines), start=1):
                    if lines.read_since > max_cell:
                        _cells_check(record, file_name, limits)
                    lines.read_since = 0
                    if len(record) > max_columns or count > max_count:
                        _limits_check(record, count, file_name, limits)
                    yield record
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _refused(
                    f"“{file_name}” could not be read as CSV ({exc}): save it as CSV UTF-8 and "
                    "upload it again."
                ) from exc

    return records


def _limited(
    opener: Callable[[], Iterator[Sequence[object]]], file_name: str, limits: ReadLimits
) -> Callable[[], Iterator[Sequence[object]]]:
    """The opener, refusing the file at the first row past the row or column limit."""

    def records() -> Iterator[Sequence[object]]:
        for count, record in enumerate(opener(), start=1):
            _limits_check(record, count, file_name, limits)
            yield record

    return records


def _limits_check(record: Sequence[object], count: int, file_name: str, limits: ReadLimits) -> None:
    """Refuse the file if its `count`th row is past the row or column limit."""
    if len(record) > limits.max_columns and any(
        _cell_text(cell) for cell in record[limits.max_columns :]
    ):
        raise _refused(
            f"“{file_name}” has more than {limits.max_columns:,} columns in row {count}: "
            "check it is the right file, laid out like the template."
        )
    if count > limits.max_rows + 1:
        raise _refused(
            f"“{file_name}” has more than {limits.max_rows:,} rows, more than this page "
            "takes: split it into smaller files."
        )


def _cells_check(record: Sequence[object], file_name: str, limits: ReadLimits) -> None:
    for cell in record:
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            raise _refused(
                f"“{file_name}” has a cell of more than {limits.max_cell_chars:,} characters "
                f"(“{cell[:20]}…”): no cell of a table this page takes is that long. Check it "
                "is the right file."
            )


def _zip_check(handle: BinaryIO, file_name: str, limits: ReadLimits) -> None:
    """Refuse a workbook that is not a zip, or whose parts would unpack too big, before any
    of it is unpacked (the declared sizes bound what zipfile will unpack)."""
    not_a_workbook = (
        f"“{file_name}” is not an Excel workbook: open it in Excel, save it as an Excel "
        "Workbook (.xlsx) or as CSV, and upload it again."
    )
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _refused(not_a_workbook) from exc
    if len(members) > limits.max_zip_members:
        raise _refused(not_a_workbook)
    unzipped = sum(member.file_size for member in members)
    too_big = unzipped > limits.max_unzipped_bytes
    for member in members:
        if member.file_size > limits.ratio_checked_above:
            too_big |= member.file_size > limits.max_zip_ratio * max(member.compress_size, 1)
    if too_big:
        raise _refused(
            f"“{file_name}” unpacks to {unzipped / 1024 / 1024:,.0f} MB, far more than a "
            "workbook of this size should: it is refused as a possible zip bomb. Save the "
            "table as CSV, or split it into smaller workbooks, and upload it again."
        )
    handle.seek(0)


def _excel_opener(
    binary: Callable[[], BinaryIO], file_name: str, limits: ReadLimits
) -> Callable[[], Iterator[Sequence[object]]]:
    unreadable = (
        f"“{file_name}” could not be read as an Excel workbook: open it in Excel, save it as an "
        "Excel Workbook (.xlsx) or as CSV, and upload it again."
    )

    def records() -> Iterator[Sequence[object]]:
        with binary() as handle:
            _zip_check(handle, file_name, limits)
            from openpyxl import load_workbook

            try:
                workbook = load_workbook(handle, read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a broken file
                raise _refused(unreadable) from exc
            try:
                rows = workbook.worksheets[0].iter_rows(values_only=True)
                for record in rows:
                    _cells_check(record, file_name, limits)
                    yield ["" if cell is None else cell for cell in record]
            except ImportRefused:
                raise
            except Exception as exc:  # XML errors, entities (defusedxml), broken parts
                raise _refused(unreadable) from exc
            finally:
                workbook.close()

    return _limited(records, file_name, limits)


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
        if not name:
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


def decimal_parse(
    text: str,
    *,
    row: int,
    column: str,
    percent_allowed: bool = True,
    number_format: NumberFormat | None = None,
) -> tuple[Decimal | None, ImportProblem | None]:
    """Read a number as people write it ("1,234", "£1,234.50", "85%", "(12)" for −12) with
    the strict parser (`bury_hc.numbers`), within `number_format`'s limits.

    Returns (value, None), (None, None) for a blank cell, or (None, problem).
    """
    number_format = number_format or NumberFormat(round_places=True)
    if not percent_allowed:
        number_format = number_format.but(percent=False)
    try:
        return number_parse(text, number_format=number_format), None
    except NumberRefused as exc:
        return None, ImportProblem(row, column, f"{exc}.")


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
    imported_by: User | None = None,
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


def problems_json(problems: Sequence[ImportProblem]) -> list[dict[str, Any]]:
    """Problems as stored on an upload and shown in the browser."""
    return [
        {"row": problem.row, "column": problem.column, "message": problem.message}
        for problem in problems
    ]


def problems_truncated(problems: Sequence[ImportProblem]) -> tuple[list[ImportProblem], int]:
    """The first problems to show, and how many more there were."""
    shown = list(problems[:MAX_PROBLEMS_REPORTED])
    return shown, max(0, len(problems) - len(shown))
