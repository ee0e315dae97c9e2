"""Reading an import: its format (given or recognised from the headings), the format's reading
with the measure resolver it needs, the check as a whole, and what the import found and did.
The entry points that write are in `performance.services.imports`."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bury_hc.imports import ImportProblem, ImportRefused, TableStream, problems_json  # noqa: F401 - problems_json re-exported
from performance.importing.applying import ImportPlan
from performance.importing.catalogue import (
    AscofMeasureResolver,
    CatalogueMeasureResolver,
    SourceCodeMeasureResolver,
)
from performance.importing.checking import CheckResult, import_check
from performance.importing.formats import (
    FormatReading,
    ImportFormat,
    ascof_reading,
    fingertips_reading,
    format_detect,
    mapped_reading,
    template_reading,
)
from performance.models import SourceCode

BACKGROUND_ROWS = 5_000  # bigger files are checked and imported by a Celery worker
DEFAULT_SOURCES = {
    ImportFormat.ASCOF: "NHS England, Adult Social Care Outcomes Framework (ASCOF)",
    ImportFormat.FINGERTIPS: "Office for Health Improvement and Disparities, Fingertips",
}


@dataclass
class ImportOutcome:
    """What an import found and did (or, in a dry run, would do)."""

    file_name: str
    sha256: str
    file_format: ImportFormat
    check: CheckResult
    plan: ImportPlan
    summary: dict[str, Any]
    dry_run: bool
    batch: Any = None  # the ImportBatch, once applied
    batch_change: str = "unchanged"  # "created" for a file not imported before
    created_measures: list[str] = field(default_factory=list)
    registered_areas: list[str] = field(default_factory=list)


class ImportRefusedWithCount(ImportRefused):
    """ImportRefused that also knows how many problems there were beyond those kept."""

    def __init__(self, problems: list[ImportProblem], total: int) -> None:
        super().__init__(problems)
        self.total = max(total, len(problems))


def format_resolve(stream: TableStream, file_format: str | None) -> ImportFormat:
    """The format asked for, or the one the headings show; refuse a file whose format is
    neither given nor recognisable."""
    if file_format and file_format != "auto":
        return ImportFormat(file_format)
    detected = format_detect(stream.headers)
    if detected is None:
        raise ImportRefused(
            [
                ImportProblem(
                    1,
                    None,
                    "The headings are not those of the template, ASCOF or Fingertips: choose "
                    "“another table” and say which columns hold what (on the command line: "
                    "--mapping FILE.yaml, or --profile NAME for a saved mapping).",
                )
            ]
        )
    return detected


def reading_open(
    stream: TableStream, file_format: ImportFormat, mapping: dict[str, Any] | None
) -> FormatReading:
    """The format's reading of the stream, with the measure resolver it needs."""
    match file_format:
        case ImportFormat.TEMPLATE:
            return template_reading(stream, CatalogueMeasureResolver())
        case ImportFormat.ASCOF:
            return ascof_reading(stream, AscofMeasureResolver())
        case ImportFormat.FINGERTIPS:
            resolver = SourceCodeMeasureResolver(
                SourceCode.Scheme.FINGERTIPS, "Fingertips indicator"
            )
            return fingertips_reading(stream, resolver, mapping)
        case ImportFormat.MAPPED:
            if not mapping:
                raise ImportRefused(
                    [ImportProblem(None, None, "Say which columns hold what (the mapping step).")]
                )
            return mapped_reading(stream, CatalogueMeasureResolver(), mapping)
    raise AssertionError(file_format)  # pragma: no cover


def check_or_refuse(
    reading: FormatReading, *, progress: Callable[[int], None] | None = None
) -> CheckResult:
    check = import_check(reading, progress=progress)
    if not check.clean:
        raise ImportRefusedWithCount(check.problems, check.problem_count)
    return check


def batch_notes(
    file_format: ImportFormat, mapping: dict[str, Any] | None, profile_name: str, extra: str
) -> str:
    """How the file was read, kept on its batch (the mapping, so the import can be repeated)."""
    lines = [f"Format: {file_format.label}."]
    if profile_name:
        lines.append(f"Mapping profile: {profile_name}.")
    if mapping:
        lines.append("Mapping: " + json.dumps(mapping, ensure_ascii=False, sort_keys=True))
    if extra:
        lines.append(extra)
    return "\n".join(lines)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a big file's values are held.

    An import builds millions of small tuples that live until it ends; the collector would
    scan them again and again (the import of a million rows took several times longer with
    it running). They hold no reference cycles, so nothing is lost by waiting."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
