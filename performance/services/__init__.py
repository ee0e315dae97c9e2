"""Writes to measures and their values, one module per family: `catalogue` (areas, groups,
measures, targets, notes, published highlights), `commentary`, `imports` (files of values and
uploads in the browser) and `rebuilds` (queueing dashboard rebuilds after commit). The names
other apps and the demo loader use are importable from here."""

from performance.services.catalogue import (
    CATALOGUE_FIELDS,
    annotation_add,
    area_upsert,
    ascof_measures_ensure,
    comparator_group_upsert,
    measure_create,
    measure_group_upsert,
    measure_update,
    measure_upsert,
    published_highlight_upsert,
    published_rank_upsert,
    target_add,
)
from performance.services.commentary import section_commentary_save
from performance.services.imports import (
    ImportRollbackRefused,
    import_mapping_profile_save,
    observation_import_apply,
    observation_import_check,
    observation_import_check_queue,
    observation_import_confirm,
    observation_import_mapping_set,
    observation_import_release_if_stuck,
    observation_import_retry,
    observation_import_rollback,
    observation_import_start,
    observation_imports_sweep,
    observations_import,
)
from performance.services.rebuilds import snapshots_rebuild_queue

__all__ = [
    "CATALOGUE_FIELDS",
    "ImportRollbackRefused",
    "annotation_add",
    "area_upsert",
    "ascof_measures_ensure",
    "comparator_group_upsert",
    "import_mapping_profile_save",
    "measure_create",
    "measure_group_upsert",
    "measure_update",
    "measure_upsert",
    "observation_import_apply",
    "observation_import_check",
    "observation_import_check_queue",
    "observation_import_confirm",
    "observation_import_mapping_set",
    "observation_import_release_if_stuck",
    "observation_import_retry",
    "observation_import_rollback",
    "observation_import_start",
    "observation_imports_sweep",
    "observations_import",
    "published_highlight_upsert",
    "published_rank_upsert",
    "section_commentary_save",
    "snapshots_rebuild_queue",
    "target_add",
]
