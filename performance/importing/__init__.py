"""Importing measure values: reading files in each format, checking them as a whole, and
writing them with provenance, revisions and rollback. The entry points are services in
`performance.services` (`observations_import`, `observation_import_rollback`, …)."""

from performance.importing.applying import (
    ImportPlan,
    RollbackResult,
    areas_register,
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
    ImportOutcome,
    ImportRefusedWithCount,
    ProgressWriter,
    batch_notes,
    check_or_refuse,
    default_source,
    format_resolve,
    gc_paused,
    plan_for,
    problems_json,
    reading_open,
    rebuild_after_commit,
    stream_open,
)

__all__ = [
    "BACKGROUND_ROWS",
    "FORMAT_LABELS",
    "CheckResult",
    "ImportFormat",
    "ImportOutcome",
    "ImportPlan",
    "ImportRefusedWithCount",
    "ProgressWriter",
    "RollbackResult",
    "areas_register",
    "batch_notes",
    "check_or_refuse",
    "default_source",
    "format_detect",
    "format_resolve",
    "gc_paused",
    "import_check",
    "later_revisions",
    "mapping_problems",
    "plan_build",
    "plan_for",
    "plan_summary",
    "problems_json",
    "reading_open",
    "rebuild_after_commit",
    "stream_open",
    "values_roll_back",
    "values_write",
]
