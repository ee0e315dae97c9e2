"""Files for upload tests: real workbooks, and hostile ones (zip bombs, XML entities, binary
files named .csv, a hundred thousand columns)."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Sequence


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """A real .xlsx workbook holding `rows` on its first sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_part(workbook: bytes, name: str, data: bytes) -> bytes:
    """The workbook with one part replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, data if item.filename == name else source.read(item))
    return out.getvalue()


@functools.cache
def zip_bomb_xlsx(unzipped_mb: int = 60) -> bytes:
    """A workbook whose sheet unpacks to `unzipped_mb` MB of one repeated row (a ratio of
    about a thousand to one)."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    body = row * (unzipped_mb * 1024 * 1024 // len(row))
    sheet = head + body + b"</sheetData></worksheet>"
    return _with_part(xlsx_bytes([["Heading"]]), "xl/worksheets/sheet1.xml", sheet)


@functools.cache
def entity_xlsx() -> bytes:
    """A workbook whose sheet declares XML entities (the "billion laughs")."""
    sheet = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>'
        b"</worksheet>"
    )
    return _with_part(xlsx_bytes([["Heading"]]), "xl/worksheets/sheet1.xml", sheet)


@functools.cache
def broken_xml_xlsx() -> bytes:
    """A workbook whose sheet is not well-formed XML."""
    return _with_part(xlsx_bytes([["Heading"]]), "xl/worksheets/sheet1.xml", b"<worksheet><row")


@functools.cache
def huge_cell_xlsx(chars: int = 40_000) -> bytes:
    """A workbook with a cell longer than Excel allows (openpyxl itself would cut it short)."""
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>Area</t></is></c></row><row><c t="inlineStr">'
        b"<is><t>" + b"x" * chars + b"</t></is></c></row></sheetData></worksheet>"
    )
    return _with_part(xlsx_bytes([["Heading"]]), "xl/worksheets/sheet1.xml", sheet)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def wide_csv(columns: int = 100_000) -> bytes:
    """A CSV with a heading for each of many columns."""
    return (",".join(f"c{n}" for n in range(columns)) + "\n").encode()
