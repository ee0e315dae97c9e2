"""Writes to areas, comparator groups, measures, observations and published highlight rows.

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged". Loading
observations needs an `ImportBatch` (`import_batch_record`) written once its file is known good.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from bury_hc.imports import ImportRefused, import_batch_record
from bury_hc.models import ImportBatch
from bury_hc.periods import Period, Quarter
from bury_hc.services import Change, StaleEdit, m2m_ensure, record_upsert, versioned_update
from performance import importing
from performance.importing import ImportFormat, ImportOutcome
from performance.importing.catalogue import AscofMeasureResolver, ascof_measures_ensure
from performance.models import (
    Area,
    ComparatorGroup,
    ImportMappingProfile,
    Measure,
    MeasureAnnotation,
    MeasureGroup,
    Observation,
    ObservationImport,
    PublishedHighlight,
    PublishedRank,
    SectionCommentary,
    Target,
)
from performance.snapshots import snapshot_scope_for_batch
from performance.tasks import snapshots_rebuild as snapshots_rebuild_task
from performance.tasks import snapshots_rebuild_for_batch as snapshots_rebuild_for_batch_task
from plans.models import Objective
from programmes.models import Programme


def area_upsert(
    *,
    ons_code: str,
    name: str,
    kind: Area.Kind | str,
    council_type: str = "",
    region: Area | None = None,
    alternative_names: str = "",
    is_active: bool = True,
) -> tuple[Area, Change]:
    """Create or update the area with this ONS code. Retire an area with is_active=False."""
    return record_upsert(
        Area,
        lookup={"ons_code": ons_code},
        values={
            "name": name,
            "kind": Area.Kind(kind),
            "council_type": council_type,
            "region": region,
            "alternative_names": alternative_names,
            "is_active": is_active,
        },
    )


@transaction.atomic
def comparator_group_upsert(
    *,
    slug: str,
    name: str,
    short_name: str,
    description: str = "",
    published_size: int | None = None,
    order: int = 0,
    members: Iterable[Area] = (),
) -> tuple[ComparatorGroup, Change]:
    """Create or update the comparator group with this slug; its members become exactly those
    given (an empty list leaves a group with no members, e.g. one an administrator completes)."""
    group, change = record_upsert(
        ComparatorGroup,
        lookup={"slug": slug},
        values={
            "name": name,
            "short_name": short_name,
            "description": description,
            "published_size": published_size,
            "order": order,
        },
    )
    linked = m2m_ensure(group, field="members", targets=members)
    return group, ("updated" if linked and change == "unchanged" else change)


def measure_group_upsert(
    *, name: str, kind: MeasureGroup.Kind | str, order: int = 0
) -> tuple[MeasureGroup, Change]:
    """Create or update the measure group with this name (kept verbatim from its source)."""
    return record_upsert(
        MeasureGroup,
        lookup={"name": name},
        values={"kind": MeasureGroup.Kind(kind), "order": order},
    )


@transaction.atomic
def measure_upsert(
    *,
    code: str,
    name: str,
    polarity: str,
    frequency: str,
    unit: str,
    decimal_places: int = 0,
    group: MeasureGroup | None = None,
    data_source: str = "",
    definition: str = "",
    what_good_looks_like: str = "",
    in_highlight_report: bool = False,
    highlight_order: int = 0,
    is_active: bool = True,
    report_section: str = "",
    programmes: Iterable[Programme] = (),
    objectives: Iterable[Objective] = (),
) -> tuple[Measure, Change]:
    """Create or update the measure with this code; its programme and objective links become
    exactly those given."""
    measure, change = record_upsert(
        Measure,
        lookup={"code": code},
        values={
            "name": name,
            "group": group,
            "polarity": polarity,
            "frequency": frequency,
            "unit": unit,
            "decimal_places": decimal_places,
            "data_source": data_source,
            "definition": definition,
            "what_good_looks_like": what_good_looks_like,
            "in_highlight_report": in_highlight_report,
            "highlight_order": highlight_order,
            "is_active": is_active,
            "report_section": report_section,
        },
    )
    linked = m2m_ensure(measure, field="programmes", targets=programmes)
    linked |= m2m_ensure(measure, field="objectives", targets=objectives)
    return measure, ("updated" if linked and change == "unchanged" else change)


def observation_upsert(
    *,
    measure: Measure,
    area: Area,
    period: Period,
    value: Decimal | None,
    batch: ImportBatch,
    value_note: str = "",
) -> tuple[Observation, Change]:
    """Create or update the value of a measure for an area over a period.

    An unchanged value (and note) is left alone, still pointing at the batch it first came
    from. A changed one is saved with the new batch and stamped `revised_at`.
    """
    lookup = {
        "measure": measure,
        "area": area,
        "period_type": period.type.value,
        "period_start": period.start,
    }
    observation = Observation.objects.filter(**lookup).first()
    if observation is None:
        observation = Observation.objects.create(
            **lookup, period_end=period.end, value=value, value_note=value_note, batch=batch
        )
        return observation, "created"
    if (observation.value, observation.value_note, observation.period_end) == (
        value,
        value_note,
        period.end,
    ):
        return observation, "unchanged"
    observation.value, observation.value_note, observation.period_end = (
        value,
        value_note,
        period.end,
    )
    observation.batch = batch
    observation.revised_at = timezone.now()
    observation.save(update_fields=["value", "value_note", "period_end", "batch", "revised_at"])
    return observation, "updated"


def published_highlight_upsert(
    *,
    measure: Measure,
    quarter: Quarter,
    latest_value_as_published: str,
    direction: PublishedHighlight.Direction | str,
    source: str,
) -> tuple[PublishedHighlight, Change]:
    """Create or update the highlight report row for a measure and quarter, as published."""
    return record_upsert(
        PublishedHighlight,
        lookup={"measure": measure, "quarter": quarter},
        values={
            "latest_value_as_published": latest_value_as_published,
            "direction": PublishedHighlight.Direction(direction),
            "source": source,
        },
    )


def published_rank_upsert(
    *,
    highlight: PublishedHighlight,
    comparator_group: ComparatorGroup,
    rank: int,
    out_of: int,
    as_at: str,
) -> tuple[PublishedRank, Change]:
    """Create or update a highlight row's published rank within a comparator group."""
    return record_upsert(
        PublishedRank,
        lookup={"highlight": highlight, "comparator_group": comparator_group},
        values={"rank": rank, "out_of": out_of, "as_at": as_at},
    )


# --- The catalogue and the commentary, edited in the browser ---------------------------------

CATALOGUE_FIELDS = (
    "code",
    "name",
    "group",
    "report_section",
    "polarity",
    "frequency",
    "unit",
    "decimal_places",
    "data_source",
    "definition",
    "what_good_looks_like",
    "in_highlight_report",
    "highlight_order",
    "is_active",
)


@transaction.atomic
def measure_create(*, values: dict, programmes=(), objectives=()) -> Measure:
    """Add a measure to the catalogue."""
    measure = Measure.objects.create(**{k: v for k, v in values.items() if k in CATALOGUE_FIELDS})
    measure.programmes.set(programmes)
    measure.objectives.set(objectives)
    return measure


@transaction.atomic
def measure_update(
    *, measure: Measure, values: dict, expected_version: int, programmes=(), objectives=()
) -> Measure:
    """Edit a measure's catalogue entry; refuses a stale version (StaleEdit). A change of
    polarity, target or unit changes what the dashboards say, so its snapshots are rebuilt
    after commit."""
    updated = versioned_update(
        measure,
        expected_version=expected_version,
        values={k: v for k, v in values.items() if k in CATALOGUE_FIELDS},
    )
    updated.programmes.set(programmes)
    updated.objectives.set(objectives)
    transaction.on_commit(partial(snapshots_rebuild_task.delay, [updated.id], None))
    return updated


@transaction.atomic
def target_add(
    *,
    measure: Measure,
    applies_from,
    applies_to,
    value: Decimal,
    tolerance: Decimal,
    note: str = "",
) -> Target:
    """Set a target for a period; the measure's snapshots are rebuilt after commit."""
    target = Target.objects.create(
        measure=measure,
        applies_from=applies_from,
        applies_to=applies_to,
        value=value,
        tolerance=tolerance,
        note=note,
    )
    transaction.on_commit(partial(snapshots_rebuild_task.delay, [measure.id], None))
    return target


@transaction.atomic
def annotation_add(
    *, measure: Measure, kind: str, applies_from, text: str, by
) -> MeasureAnnotation:
    """Note a change of definition (or a caveat) on a measure from a date."""
    return MeasureAnnotation.objects.create(
        measure=measure, kind=kind, applies_from=applies_from, text=text, created_by=by
    )


@transaction.atomic
def section_commentary_save(
    *, section: str, quarter: Quarter, text: str, by, expected_version: int | None
) -> SectionCommentary:
    """Write the quarter's commentary for a report section. `expected_version` is None for a
    new commentary; a stale version (someone saved first) raises StaleEdit."""
    existing = SectionCommentary.objects.filter(section=section, quarter=quarter).first()
    if existing is None:
        if expected_version is not None:
            raise StaleEdit(SectionCommentary(section=section, quarter=quarter, text=""))
        try:
            with transaction.atomic():
                return SectionCommentary.objects.create(
                    section=section, quarter=quarter, text=text, updated_by=by
                )
        except IntegrityError:  # someone created it a moment ago
            raise StaleEdit(
                SectionCommentary.objects.get(section=section, quarter=quarter)
            ) from None
    if expected_version is None:
        raise StaleEdit(existing)
    return versioned_update(
        existing, expected_version=expected_version, values={"text": text, "updated_by": by}
    )


# --- Importing measure values (files → import batch → observations) -------------------------
# The parts live in performance/importing/; these are the entry points the command, the pages,
# the tasks and the demo loader call.


def observations_import(
    *,
    file_name: str,
    content: bytes | None = None,
    path: Path | None = None,
    file_format: str | None = None,
    source: str = "",
    published_on: dt.date | None = None,
    mapping: dict[str, Any] | None = None,
    mapping_profile: ImportMappingProfile | None = None,
    by: AbstractBaseUser | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    notes: str = "",
    rebuild_snapshots: bool = True,
) -> ImportOutcome:
    """Import a file of measure values (given as bytes or a path), all or nothing.

    The file is read in its format (`file_format`, or the one its headings show) and checked as
    a whole; any problem raises `ImportRefused` naming each by row and column, and nothing is
    written. A dry run stops there and returns the plan: new values, revised ones (old → new),
    unchanged ones, areas it would register and ASCOF measures it would add. Otherwise, in one
    transaction: ASCOF measures and areas are created, the file's `ImportBatch` is recorded (the
    same file again reuses its batch), new values are written, revised ones updated with their
    old values kept as `ObservationRevision`s, and unchanged ones left alone; after commit the
    dashboard snapshots of the measures and quarters that changed are rebuilt. Idempotent: the
    same file twice changes nothing the second time. `progress` is told how many rows are done;
    `rebuild_snapshots=False` is for a caller that rebuilds them itself (the demo loader).
    """
    with importing.gc_paused():
        return _observations_import(
            file_name=file_name,
            content=content,
            path=path,
            file_format=file_format,
            source=source,
            published_on=published_on,
            mapping=mapping,
            mapping_profile=mapping_profile,
            by=by,
            dry_run=dry_run,
            progress=progress,
            notes=notes,
            rebuild_snapshots=rebuild_snapshots,
        )


def _observations_import(
    *,
    file_name: str,
    content: bytes | None,
    path: Path | None,
    file_format: str | None,
    source: str,
    published_on: dt.date | None,
    mapping: dict[str, Any] | None,
    mapping_profile: ImportMappingProfile | None,
    by: AbstractBaseUser | None,
    dry_run: bool,
    progress: Callable[[int], None] | None,
    notes: str,
    rebuild_snapshots: bool,
) -> ImportOutcome:
    stream = importing.stream_open(file_name=file_name, content=content, path=path)
    chosen = importing.format_resolve(stream, file_format)
    if mapping_profile is not None and mapping is None:
        mapping = mapping_profile.mapping
    reading = importing.reading_open(stream, chosen, mapping)
    check = importing.check_or_refuse(reading, progress=None if not dry_run else progress)
    if dry_run:
        plan, summary = importing.plan_for(check)
        return ImportOutcome(
            file_name=file_name,
            sha256=stream.sha256,
            file_format=chosen,
            check=check,
            plan=plan,
            summary=summary,
            dry_run=True,
        )
    with transaction.atomic():
        created = []
        resolver = reading.measure_resolver
        if check.measures_to_create and isinstance(resolver, AscofMeasureResolver):
            created = ascof_measures_ensure(
                catalogue=resolver.catalogue, codes=check.measures_to_create
            )
        if isinstance(resolver, AscofMeasureResolver):
            ascof_measures_ensure(catalogue=resolver.catalogue, codes=resolver.used)
        new_measures = {code: id_ for id_, code in check.measure_codes.items() if id_ < 0}
        measure_ids = {
            new_measures[code]: id_
            for code, id_ in Measure.objects.filter(code__in=list(new_measures)).values_list(
                "code", "id"
            )
        }
        area_ids = importing.areas_register(check)
        batch, batch_change = import_batch_record(
            kind=ImportBatch.Kind.OBSERVATIONS,
            file_name=file_name,
            content=b"",
            sha256=stream.sha256,
            file_format=chosen.value,
            source=source or importing.default_source(chosen),
            published_on=published_on,
            row_count=check.rows_read,
            notes=importing.batch_notes(
                chosen, mapping, mapping_profile.name if mapping_profile else "", notes
            ),
            imported_by=by,
        )
        if batch.status != ImportBatch.Status.APPLIED:  # a rolled-back file, imported again
            batch.status = ImportBatch.Status.APPLIED
            batch.save(update_fields=["status"])
        plan = importing.plan_build(check, measure_ids=measure_ids, area_ids=area_ids)
        to_write = plan.new + plan.revised
        total = max(check.rows_read, 1)

        def written(done: int) -> None:
            if progress and to_write:
                progress(check.rows_read - to_write + done)

        importing.values_write(
            check,
            plan,
            batch=batch,
            measure_ids=measure_ids,
            area_ids=area_ids,
            progress=written,
        )
        if progress:
            progress(total)
        if rebuild_snapshots and plan.changes_anything:
            transaction.on_commit(partial(snapshots_rebuild_for_batch_task.delay, batch.id))
    summary = importing.plan_summary(check, plan)
    summary["batch_id"] = batch.id
    return ImportOutcome(
        file_name=file_name,
        sha256=stream.sha256,
        file_format=chosen,
        check=check,
        plan=plan,
        summary=summary,
        dry_run=False,
        batch=batch,
        batch_change=batch_change,
        created_measures=created,
        registered_areas=sorted(check.areas_to_register),
    )


class ImportRollbackRefused(Exception):
    """An import that cannot be rolled back yet; the message says why and what to do."""


@transaction.atomic
def observation_import_rollback(
    *, batch: ImportBatch, by: AbstractBaseUser | None = None
) -> importing.RollbackResult:
    """Undo an import as a whole: restore the values it revised, delete those it created, and
    mark its batch rolled back; after commit, rebuild the snapshots of what changed.

    Refused (ImportRollbackRefused) if the batch is not an applied import of measure values, or
    if a later import revised values it wrote (roll that one back first).
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind != ImportBatch.Kind.OBSERVATIONS:
        raise ImportRollbackRefused("Only imports of measure values can be rolled back here.")
    if batch.status == ImportBatch.Status.ROLLED_BACK:
        raise ImportRollbackRefused(f"“{batch.file_name}” has already been rolled back.")
    later = importing.later_revisions(batch=batch)
    if later:
        names = ", ".join(f"“{b.file_name}” ({b.imported_at:%d %B %Y %H:%M})" for b in later)
        raise ImportRollbackRefused(
            f"Later imports changed values that “{batch.file_name}” wrote: {names}. Roll "
            "those back first."
        )
    measure_ids, quarters = snapshot_scope_for_batch(batch_id=batch.id)  # before the values go
    result = importing.values_roll_back(batch=batch)
    who = by.get_username() if by is not None else "the command line"
    batch.status = ImportBatch.Status.ROLLED_BACK
    batch.notes = (
        f"{batch.notes}\nRolled back by {who} on {timezone.localtime():%d %B %Y at %H:%M}: "
        f"{result.restored} values restored, {result.deleted} deleted."
    ).strip()
    batch.save(update_fields=["status", "notes"])
    importing.rebuild_after_commit(measure_ids=measure_ids, quarters=quarters)
    return result


def import_mapping_profile_save(
    *, name: str, mapping: dict[str, Any], by: AbstractBaseUser | None, description: str = ""
) -> tuple[ImportMappingProfile, Change]:
    """Save a column mapping under a name (replacing the mapping of a profile of that name)."""
    profile, change = record_upsert(
        ImportMappingProfile,
        lookup={"name": name},
        values={"mapping": mapping, "description": description},
    )
    if change == "created" and by is not None:
        ImportMappingProfile.objects.filter(pk=profile.pk).update(created_by=by)
    return profile, change


# --- An upload in the browser: uploaded → checked → queued → importing → applied -------------


def observation_import_start(
    *,
    uploaded_file: UploadedFile,
    file_format: str,
    source: str,
    published_on: dt.date | None,
    mapping_profile: ImportMappingProfile | None,
    by: AbstractBaseUser | None,
) -> ObservationImport:
    """Store an uploaded file and start its import (state "uploaded"): nothing is read yet
    beyond counting its rows. A mapping profile's mapping is copied, so later edits to the
    profile do not change this import."""
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    observation_import = ObservationImport(
        file_name=Path(uploaded_file.name or "upload.csv").name[:255],
        sha256=digest.hexdigest(),
        file_format=file_format,
        mapping=dict(mapping_profile.mapping) if mapping_profile else {},
        source=source,
        published_on=published_on,
        created_by=by,
    )
    if mapping_profile:
        observation_import.plan = {"profile": mapping_profile.name}
    observation_import.file.save(observation_import.file_name, uploaded_file, save=False)
    try:
        observation_import.rows_total = importing.stream_open(
            file_name=observation_import.file_name, path=Path(observation_import.file.path)
        ).row_count()
    except ImportRefused as exc:
        observation_import.state = ObservationImport.State.REFUSED
        observation_import.problems = importing.problems_json(exc.problems)
    observation_import.save()
    return observation_import


def observation_import_mapping_set(
    *, observation_import: ObservationImport, mapping: dict[str, Any]
) -> ObservationImport:
    """Record how the columns of a table in no standard format map onto measure values."""
    observation_import.mapping = mapping
    observation_import.file_format = ImportFormat.MAPPED.value
    observation_import.state = ObservationImport.State.UPLOADED
    observation_import.problems, observation_import.plan = [], {}
    observation_import.save(update_fields=["mapping", "file_format", "state", "problems", "plan"])
    return observation_import


def observation_import_check(*, observation_import: ObservationImport) -> ObservationImport:
    """Check the upload as a whole (a dry run) and keep its problems or its plan: state
    "checked" (ready to import) or "refused". Writes nothing else; safe to repeat."""
    progress = importing.ProgressWriter(observation_import.pk)
    try:
        outcome = observations_import(
            file_name=observation_import.file_name,
            path=Path(observation_import.file.path),
            file_format=observation_import.file_format,
            mapping=observation_import.mapping or None,
            dry_run=True,
            progress=progress,
        )
    except ImportRefused as exc:
        observation_import.state = ObservationImport.State.REFUSED
        observation_import.problems = importing.problems_json(exc.problems)
        observation_import.plan = {
            **observation_import.plan,
            "problem_count": getattr(exc, "total", len(exc.problems)),
        }
    else:
        observation_import.state = ObservationImport.State.CHECKED
        observation_import.file_format = outcome.file_format.value
        observation_import.problems = []
        observation_import.plan = {**_plan_keep(observation_import.plan), **outcome.summary}
        observation_import.rows_total = outcome.check.rows_read or observation_import.rows_total
    finally:
        progress.close()
    observation_import.rows_done = 0
    observation_import.save()
    return observation_import


def _plan_keep(plan: dict[str, Any]) -> dict[str, Any]:
    return {key: plan[key] for key in ("profile",) if key in plan}


def observation_import_check_queue(*, observation_import: ObservationImport) -> ObservationImport:
    """Have a worker check a big upload (state "queued", stage "checking")."""
    from performance.tasks import observation_import_check as task

    observation_import.state = ObservationImport.State.QUEUED
    observation_import.plan = {**_plan_keep(observation_import.plan), "stage": "checking"}
    observation_import.rows_done = 0
    observation_import.save(update_fields=["state", "plan", "rows_done"])
    transaction.on_commit(partial(task.delay, observation_import.pk))
    return observation_import


def observation_import_confirm(*, observation_import: ObservationImport) -> ObservationImport:
    """The analyst confirmed a checked upload: queue it for a worker (stage "importing"). A
    small file is imported at once, in the request."""
    from performance.tasks import observation_import_apply as task

    if observation_import.state != ObservationImport.State.CHECKED:
        return observation_import
    observation_import.state = ObservationImport.State.QUEUED
    observation_import.plan = {**observation_import.plan, "stage": "importing"}
    observation_import.save(update_fields=["state", "plan"])
    if observation_import.rows_total > importing.BACKGROUND_ROWS:
        transaction.on_commit(partial(task.delay, observation_import.pk))
        return observation_import
    return observation_import_apply(import_id=observation_import.pk)


def observation_import_apply(*, import_id: int) -> ObservationImport:
    """Import a confirmed upload (the background entry point; safe to run twice: an import
    that is no longer queued is left as it is). The file is checked again, then written in one
    durable transaction; the state ends "applied", "refused" (something changed since the
    check) or "failed". Progress is kept in rows_done as it goes."""
    with transaction.atomic():
        observation_import = ObservationImport.objects.select_for_update().get(pk=import_id)
        if observation_import.state not in (
            ObservationImport.State.QUEUED,
            ObservationImport.State.CHECKED,
        ):
            return observation_import
        observation_import.state = ObservationImport.State.IMPORTING
        observation_import.rows_done = 0
        observation_import.save(update_fields=["state", "rows_done", "updated_at"])
    progress = importing.ProgressWriter(observation_import.pk)
    try:
        with transaction.atomic(durable=True):
            outcome = observations_import(
                file_name=observation_import.file_name,
                path=Path(observation_import.file.path),
                file_format=observation_import.file_format,
                source=observation_import.source,
                published_on=observation_import.published_on,
                mapping=observation_import.mapping or None,
                by=observation_import.created_by,
                progress=progress,
                notes=f"Uploaded in the browser (upload {observation_import.pk}).",
            )
            observation_import.state = ObservationImport.State.APPLIED
            observation_import.rows_total = outcome.check.rows_read
            observation_import.rows_done = outcome.check.rows_read
            observation_import.plan = {
                **observation_import.plan,
                **outcome.summary,
                "stage": "done",
                "created_measures": outcome.created_measures,
            }
            if not ObservationImport.objects.filter(batch=outcome.batch).exists():
                observation_import.batch = outcome.batch
            observation_import.save()
    except ImportRefused as exc:
        observation_import.state = ObservationImport.State.REFUSED
        observation_import.problems = importing.problems_json(exc.problems)
        observation_import.save(update_fields=["state", "problems", "updated_at"])
    except OperationalError:  # transient (the database went away): queue it for the retry
        ObservationImport.objects.filter(pk=observation_import.pk).update(
            state=ObservationImport.State.QUEUED, rows_done=0
        )
        raise
    except Exception:
        observation_import.state = ObservationImport.State.FAILED
        observation_import.problems = [
            {
                "row": None,
                "column": None,
                "message": "The import stopped because of an error in the application; "
                "nothing was written. Try again, and tell the performance team if it "
                "happens again.",
            }
        ]
        observation_import.save(update_fields=["state", "problems", "updated_at"])
        raise
    finally:
        progress.close()
    return observation_import
