"""Importing measure values: reading files in each format, checking them as a whole, comparing
them with the values held, and writing the values themselves (with their revisions) or rolling
them back. Nothing here imports the services or the tasks: the entry points that record
batches, register areas and queue rebuilds are in `performance.services.imports`."""

from performance.importing.applying import (
    ImportPlan,
    RollbackResult,
    later_revisions,
    plan_build,
    plan_summary,
    values_roll_back,
    values_write,
)
from performance.importing.checking import CheckResult, import_check
from performance.importing.formats import (
    FORMAT_LABELS,
    ImportFormat,
    format_detect,
    mapping_problems,
)
from performance.importing.run import (
    BACKGROUND_ROWS,
    DEFAULT_SOURCES,
    ImportOutcome,
    ImportRefusedWithCount,
    batch_notes,
    check_or_refuse,
    format_resolve,
    gc_paused,
    problems_json,
    reading_open,
)

__all__ = [
    "BACKGROUND_ROWS",
    "DEFAULT_SOURCES",
    "FORMAT_LABELS",
    "CheckResult",
    "ImportFormat",
    "ImportOutcome",
    "ImportPlan",
    "ImportRefusedWithCount",
    "RollbackResult",
    "batch_notes",
    "check_or_refuse",
    "format_detect",
    "format_resolve",
    "gc_paused",
    "import_check",
    "later_revisions",
    "mapping_problems",
    "plan_build",
    "plan_summary",
    "problems_json",
    "reading_open",
    "values_roll_back",
    "values_write",
]
