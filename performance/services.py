"""Writes to areas, comparator groups, measures, observations and published highlight rows.

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged". Loading
observations needs an `ImportBatch` (`import_batch_record`) written once its file is known good.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from bury_hc.models import ImportBatch
from bury_hc.periods import Period, Quarter
from bury_hc.services import Change, StaleEdit, m2m_ensure, record_upsert, versioned_update
from performance.models import (
    Area,
    ComparatorGroup,
    Measure,
    MeasureAnnotation,
    MeasureGroup,
    Observation,
    PublishedHighlight,
    PublishedRank,
    SectionCommentary,
    Target,
)
from performance.tasks import snapshots_rebuild as snapshots_rebuild_task
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
