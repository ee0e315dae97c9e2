"""Writes to the measure catalogue: areas, comparator groups, measure groups, measures, targets,
notes and published highlight rows.

The `*_upsert` functions are keyed on natural keys and idempotent: they create what is missing,
save only fields whose values differ, and report "created", "updated" or "unchanged". A change
that alters what a dashboard says (a measure's polarity or unit, a target) has its snapshots
rebuilt after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from bury_hc.periods import FinancialYear, Quarter
from bury_hc.services import Change, m2m_ensure, record_upsert, versioned_update
from performance.importing.catalogue import AscofCatalogue
from performance.models import (
    Area,
    ComparatorGroup,
    Measure,
    MeasureAnnotation,
    MeasureGroup,
    PublishedHighlight,
    PublishedRank,
    ReportSection,
    SourceCode,
    Target,
)
from performance.services.rebuilds import snapshots_rebuild_queue
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
    snapshots_rebuild_queue(measure_ids=[updated.id])
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
    snapshots_rebuild_queue(measure_ids=[measure.id])
    return target


@transaction.atomic
def annotation_add(
    *, measure: Measure, kind: str, applies_from, text: str, by
) -> MeasureAnnotation:
    """Note a change of definition (or a caveat) on a measure from a date."""
    return MeasureAnnotation.objects.create(
        measure=measure, kind=kind, applies_from=applies_from, text=text, created_by=by
    )


def ascof_measures_ensure(*, catalogue: AscofCatalogue, codes: set[str]) -> list[str]:
    """Create the catalogue's measures (with their outcome domain and ASCOF source codes) that
    the application lacks; returns the codes created. Measures already there are left as they
    are: the analysts may have edited them. Call inside the import's transaction."""
    created = []
    existing = set(Measure.objects.filter(code__in=codes).values_list("code", flat=True))
    for code in sorted(codes - existing):
        entry = catalogue.measures[code]
        domain = catalogue.domains[entry.domain]
        group, _ = measure_group_upsert(
            name=domain["name"], kind="outcome", order=domain.get("order", 0)
        )
        measure_upsert(
            code=entry.code,
            name=entry.name,
            polarity=entry.polarity,
            frequency="annual",
            unit=entry.unit,
            decimal_places=entry.decimal_places,
            group=group,
            data_source=catalogue.data_source,
            definition=entry.definition,
            report_section=ReportSection.OUTCOMES,
        )
        created.append(code)
    # The measures' ids and the ASCOF source codes held, two queries; only the missing source
    # codes are created (get_or_create, in case another import adds one meanwhile).
    measure_ids = dict(Measure.objects.filter(code__in=codes).values_list("code", "id"))
    held = set(
        SourceCode.objects.filter(scheme=SourceCode.Scheme.ASCOF).values_list("code", "valid_from")
    )
    for code in codes:
        measure_id = measure_ids[code]
        for source in catalogue.measures[code].source_codes:
            valid_from = FinancialYear(source.first_year).start if source.first_year else None
            if (source.code, valid_from) in held:
                continue
            SourceCode.objects.get_or_create(
                scheme=SourceCode.Scheme.ASCOF,
                code=source.code,
                valid_from=valid_from,
                defaults={
                    "measure_id": measure_id,
                    "valid_to": FinancialYear(source.last_year).end if source.last_year else None,
                    "source_description": source.wordings[-1] if source.wordings else "",
                },
            )
    return created
