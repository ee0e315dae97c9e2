"""Importing measure values: files → import batch → observations, and uploads in the browser
(uploaded → checked → queued → importing → applied).

The parts that read, check and compare a file live in `performance.importing` and write nothing
but the values themselves; these services are the entry points the command, the pages, the
tasks and the demo loader call. They record the batch, register areas and ASCOF measures, and
queue the rebuild of the dashboards an import changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from bury_hc import jobs
from bury_hc.imports import ImportProblem, ImportRefused, import_batch_record, table_stream
from bury_hc.jobs import SweepOutcome
from bury_hc.models import ImportBatch
from bury_hc.services import Change, record_upsert
from performance import importing
from performance.importing import ImportFormat, ImportOutcome
from performance.importing.catalogue import AscofMeasureResolver
from performance.importing.checking import CheckResult
from performance.models import ImportMappingProfile, Measure, ObservationImport
from performance.services.catalogue import area_upsert, ascof_measures_ensure
from performance.services.rebuilds import snapshots_rebuild_queue, task_queue
from performance.snapshots import snapshot_scope_for_batch


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
    by: User | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    notes: str = "",
    rebuild_snapshots: bool = True,
    overrides_confirmed: bool | None = None,
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
            overrides_confirmed=overrides_confirmed,
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
    by: User | None,
    dry_run: bool,
    progress: Callable[[int], None] | None,
    notes: str,
    rebuild_snapshots: bool,
    overrides_confirmed: bool | None,
) -> ImportOutcome:
    stream = table_stream(file_name=file_name, content=content, path=path)
    chosen = importing.format_resolve(stream, file_format)
    if mapping_profile is not None and mapping is None:
        mapping = mapping_profile.mapping
    reading = importing.reading_open(stream, chosen, mapping)
    check = importing.check_or_refuse(reading, progress=None if not dry_run else progress)
    if dry_run:
        plan = importing.plan_build(check, file_format=chosen.value)
        return ImportOutcome(
            file_name=file_name,
            sha256=stream.sha256,
            file_format=chosen,
            check=check,
            plan=plan,
            summary=importing.plan_summary(check, plan),
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
        area_ids = areas_register(check)
        batch, batch_change = import_batch_record(
            kind=ImportBatch.Kind.OBSERVATIONS,
            file_name=file_name,
            content=b"",
            sha256=stream.sha256,
            file_format=chosen.value,
            source=source or importing.DEFAULT_SOURCES.get(chosen, ""),
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
        plan = importing.plan_build(
            check, measure_ids=measure_ids, area_ids=area_ids, file_format=chosen.value
        )
        if overrides_confirmed is False and plan.needs_explicit_confirmation:
            raise ImportRefused([ImportProblem(None, None, _overrides_message(plan))])
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
            measure_ids_changed, quarters = snapshot_scope_for_batch(batch_id=batch.id)
            snapshots_rebuild_queue(measure_ids=measure_ids_changed, quarters=quarters)
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


def areas_register(check: CheckResult) -> dict[int, int]:
    """Create the areas the file registers; returns provisional id → real id."""
    created = {}
    provisional = {code: id_ for id_, code in check.area_codes.items() if id_ < 0}
    for code, entry in check.areas_to_register.items():
        others = sorted(name for name in entry.names if name != entry.name)
        area, _ = area_upsert(
            ons_code=code,
            name=entry.name[:120],
            kind=entry.kind,
            council_type=entry.council_type,
            alternative_names="|".join(others)[:255],
        )
        created[provisional[code]] = area.id
    return created


def _overrides_message(plan: importing.ImportPlan) -> str:
    parts = []
    if plan.blanked:
        parts.append(f"{plan.blanked} revision{'s' if plan.blanked != 1 else ''} blank values")
    if plan.outranked:
        parts.append(
            f"{plan.outranked} revision{'s' if plan.outranked != 1 else ''} replace values from a "
            "higher-ranked source"
        )
    if plan.unit_mismatched:
        parts.append(
            f"{plan.unit_mismatched} value{'s' if plan.unit_mismatched != 1 else ''} "
            "in another unit than their measure's"
        )
    return (
        f"Nothing was imported: {' and '.join(parts)}. Check them, then confirm that these "
        "values should be imported."
    )


class ImportRollbackRefused(Exception):
    """An import that cannot be rolled back yet; the message says why and what to do."""


@transaction.atomic
def observation_import_rollback(
    *, batch: ImportBatch, by: User | None = None
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
    snapshots_rebuild_queue(measure_ids=measure_ids, quarters=quarters)
    return result


def import_mapping_profile_save(
    *, name: str, mapping: dict[str, Any], by: User | None, description: str = ""
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


class ProgressWriter:
    """Records an upload's progress (rows_done) while it imports.

    The import's own transaction hides its writes until it commits, so on PostgreSQL progress
    goes through a second connection of its own, committed at once; elsewhere (SQLite, which
    has one writer at a time: a second connection would wait for the import's own lock) it is
    written only outside a transaction, and the page shows the import's state until it ends.
    """

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self.own = (
            connections.create_connection(DEFAULT_DB_ALIAS)
            if connection.vendor == "postgresql"
            else None
        )

    def __call__(self, done: int) -> None:
        if self.own is not None:
            table = ObservationImport._meta.db_table
            with self.own.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                    [done, self.import_id],
                )
        elif not connection.in_atomic_block:
            ObservationImport.objects.filter(pk=self.import_id).update(rows_done=done)

    def close(self) -> None:
        if self.own is not None:
            self.own.close()


def observation_import_start(
    *,
    uploaded_file: UploadedFile,
    file_format: str,
    source: str,
    published_on: dt.date | None,
    mapping_profile: ImportMappingProfile | None,
    by: User | None,
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
        observation_import.rows_total = table_stream(
            file_name=observation_import.file_name, path=Path(observation_import.file.path)
        ).row_count()
    except ImportRefused as exc:
        observation_import.state = ObservationImport.State.REFUSED
        observation_import.problems = importing.problems_json(exc.problems)
        observation_import.file.delete(save=False)  # unreadable: keep its problems, not it
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
    progress = ProgressWriter(observation_import.pk)
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
    observation_import.state = ObservationImport.State.QUEUED
    observation_import.plan = {**_plan_keep(observation_import.plan), "stage": "checking"}
    observation_import.rows_done = 0
    observation_import.save(update_fields=["state", "plan", "rows_done", "updated_at"])
    task_queue("performance.observation_import_check", observation_import.pk)
    return observation_import


def observation_import_confirm(
    *, observation_import: ObservationImport, overrides_confirmed: bool = False
) -> ObservationImport:
    """The analyst confirmed a checked upload: queue it for a worker (stage "importing"). A
    small file is imported at once, in the request. Revisions that blank values or override a
    higher-ranked source are written only with `overrides_confirmed` (the analyst's tick);
    without it the import is refused when it comes to them."""
    if observation_import.state != ObservationImport.State.CHECKED:
        return observation_import
    observation_import.state = ObservationImport.State.QUEUED
    observation_import.plan = {
        **observation_import.plan,
        "stage": "importing",
        "overrides_confirmed": overrides_confirmed,
    }
    observation_import.save(update_fields=["state", "plan", "updated_at"])
    if observation_import.rows_total > importing.BACKGROUND_ROWS:
        task_queue("performance.observation_import_apply", observation_import.pk)
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
    progress = ProgressWriter(observation_import.pk)
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
                overrides_confirmed=bool(observation_import.plan.get("overrides_confirmed")),
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


# --- Uploads whose worker died (bury_hc.jobs) -------------------------------------------------

STOPPED_MESSAGE = (
    "The import did not finish: the background worker stopped before it was done, and nothing "
    "was written. Try again; if it happens again, tell the performance team."
)


def observation_imports_sweep() -> SweepOutcome:
    """Release uploads stuck "waiting" longer than JOB_WAIT_DEADLINE or "importing" longer than
    JOB_RUN_DEADLINE (their worker died, so their transaction was rolled back and nothing was
    written): send each to a worker again, up to JOB_MAX_SENDS times, then mark it failed
    with a "Try again". Beat runs it every minute; safe to run twice at once."""
    return jobs.stuck_jobs_sweep(
        stuck=_stuck_imports(),
        sends=_sends,
        requeue=_import_requeue,
        fail=_import_fail,
        tasks=lambda upload: IMPORT_TASKS,
    )


IMPORT_TASKS = ("performance.observation_import_check", "performance.observation_import_apply")


def _stuck_imports():
    States = ObservationImport.State
    return ObservationImport.objects.filter(
        Q(state=States.QUEUED, updated_at__lt=jobs.wait_deadline())
        | Q(state=States.IMPORTING, updated_at__lt=jobs.run_deadline())
    )


def observation_import_release_if_stuck(
    *, observation_import: ObservationImport
) -> ObservationImport:
    """For the progress page: an upload past its deadline is released now, as the sweep would
    (where no worker and beat run, the embedded default, nothing else would: it is marked
    failed, with "Try again"). Reads one row and writes nothing when it is not stuck."""
    if not _stuck_imports().filter(pk=observation_import.pk).exists():
        return observation_import
    observation_imports_sweep()
    observation_import.refresh_from_db()
    return observation_import


def _sends(upload: ObservationImport) -> int:
    return int((upload.plan or {}).get("sends", 1))


def _import_requeue(upload: ObservationImport) -> None:
    checking = (upload.plan or {}).get("stage") == "checking"
    upload.state = ObservationImport.State.QUEUED
    upload.rows_done = 0
    upload.plan = {**(upload.plan or {}), "sends": _sends(upload) + 1}
    upload.save(update_fields=["state", "rows_done", "plan", "updated_at"])
    task_queue(IMPORT_TASKS[0] if checking else IMPORT_TASKS[1], upload.pk)


def _import_fail(upload: ObservationImport) -> None:
    upload.state = ObservationImport.State.FAILED
    upload.problems = [{"row": None, "column": None, "message": STOPPED_MESSAGE}]
    upload.save(update_fields=["state", "problems", "updated_at"])


def observation_import_retry(*, observation_import: ObservationImport) -> ObservationImport:
    """The analyst asked to try a failed upload again: it goes back to "uploaded", to be
    checked afresh (the data may have changed since) and confirmed again. Any other state is
    left as it is."""
    if observation_import.state != ObservationImport.State.FAILED:
        return observation_import
    observation_import.state = ObservationImport.State.UPLOADED
    observation_import.problems = []
    observation_import.plan = _plan_keep(observation_import.plan or {})
    observation_import.rows_done = 0
    observation_import.save(update_fields=["state", "problems", "plan", "rows_done", "updated_at"])
    return observation_import
