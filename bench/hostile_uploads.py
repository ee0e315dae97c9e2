"""Benchmark: how long, and how much memory, the upload reader takes to refuse the hostile
files of issue 10 (a 1.6 MB workbook that unzips to 364 MB; a 4.9 MB CSV of 500,000 columns;
one endless line; a workbook with XML entities), under the limits of the finance and plan
uploads (`SMALL_TABLE`) and of the measure-value import (`ReadLimits()`).

    .venv/bin/python bench/hostile_uploads.py

Each file is refused in a fresh process, so that the peak memory (VmHWM) is that file's
alone; the baseline is the same process reading a two-line CSV. No database is used.
Not a test: run it by hand; figures go in docs/reliability.md.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _workbook_with_sheet(sheet: bytes) -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            data = sheet if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return out.getvalue()


def files() -> dict[str, tuple[str, bytes]]:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    bomb = head + row * (364 * 1024 * 1024 // len(row)) + b"</sheetData></worksheet>"
    entities = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>'
        b"</worksheet>"
    )
    return {
        "baseline (a two-line CSV, read)": ("ok.csv", b"Area,Value\nBury,54\n"),
        "zip bomb: XLSX unzipping to 364 MB": ("bomb.xlsx", _workbook_with_sheet(bomb)),
        "CSV of 500,000 columns": (
            "wide.csv",
            (",".join(f"c{n}" for n in range(500_000)) + "\n").encode(),
        ),
        "CSV of 100,000 columns": (
            "wide100k.csv",
            (",".join(f"c{n}" for n in range(100_000)) + "\n").encode(),
        ),
        "CSV of one 50 MB line": ("line.csv", b"Area\n" + b"x" * (50 * 1024 * 1024)),
        "XLSX with XML entities": ("entities.xlsx", _workbook_with_sheet(entities)),
    }


CHILD = """
import json, os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bury_hc.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
import django
django.setup()
from bury_hc.imports import SMALL_TABLE, ImportRefused, ReadLimits, table_read
import openpyxl  # imported before timing: its first import is not the file's cost

def high_water_mb():  # VmHWM starts afresh at exec, unlike getrusage's maxrss
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
limits = SMALL_TABLE if sys.argv[3] == "small" else ReadLimits()
content = open(sys.argv[1], "rb").read()
before = high_water_mb()
started = time.perf_counter()
try:
    table_read(file_name=sys.argv[2], content=content, limits=limits)
    said = "read"
except ImportRefused as exc:
    said = exc.problems[0].message
print(json.dumps({{"seconds": time.perf_counter() - started, "said": said,
    "peak_mb": high_water_mb(), "before_mb": before}}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for what, (name, content) in files().items():
            path = Path(folder) / name
            path.write_bytes(content)
            for limits in ("small", "import"):
                result = subprocess.run(
                    [sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path), name, limits],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                print(
                    f"{what} ({len(content) / 1024 / 1024:.1f} MB, {limits} limits): "
                    f"{figures['seconds'] * 1000:.0f} ms, peak {figures['peak_mb']:.0f} MB "
                    f"(after loading Django and the file: {figures['before_mb']:.0f} MB); "
                    f"said: {figures['said'][:90]}"
                )


if __name__ == "__main__":
    main()
