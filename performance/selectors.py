"""Reads of measures for pages and packs. Dashboards read snapshots only; a measure's own page
and the section charts read its observations (bounded: one measure, or one section's series).

Every selector returns frozen dataclasses or querysets shaped for the page, in a fixed number
of queries whatever the number of measures (each has a query-count test).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery

from bury_hc import disclosure, formatting
from bury_hc.periods import Month, Period, PeriodType, Quarter
from bury_hc.versions import version_columns, version_of
from performance.assessment import Rank, direction_sentence
from performance.models import (
    Area,
    ComparatorGroup,
    DashboardSnapshot,
    DirectionOfTravel,
    Measure,
    MeasureAnnotation,
    Observation,
    ObservationRevision,
    PublishedHighlight,
    PublishedRank,
    ReportSection,
    SectionCommentary,
)


@dataclass(frozen=True)
class PublishedRankRow:
    group_name: str
    group_short_name: str
    rank: int
    out_of: int
    as_at: str


@dataclass(frozen=True)
class PublishedFigures:
    """A highlight row as the council published it, and where the application's own
    calculation differs from it."""

    value_text: str
    direction: str  # improving, worsening or ""
    ranks: tuple[PublishedRankRow, ...]
    differences: tuple[str, ...]


@dataclass(frozen=True)
class SparkPoint:
    label: str
    value: Decimal | None


@dataclass(frozen=True)
class DashboardRow:
    """One measure at one quarter, from its snapshot."""

    measure_code: str
    measure_name: str
    group_name: str
    section: str
    section_label: str
    frequency: str
    polarity: str
    polarity_label: str
    unit: str
    decimal_places: int
    latest_value: Decimal | None
    latest_value_text: str
    latest_period: str
    previous_value_text: str
    previous_period: str
    direction_vs_previous: str
    direction_vs_previous_label: str
    last_year_value_text: str
    last_year_period: str
    direction_vs_last_year: str
    direction_vs_last_year_label: str
    status: str
    status_label: str
    target_text: str
    sparkline: tuple[SparkPoint, ...]
    ranks: tuple[Rank, ...]
    published: PublishedFigures | None
    in_highlight_report: bool = False
    target_value: Decimal | None = None

    @property
    def sparkline_text(self) -> str:
        values = ", ".join(f"{point.label} {self.format(point.value)}" for point in self.sparkline)
        return f"Trend: {values}" if values else "No trend yet"

    def format(self, value: Decimal | None) -> str:
        return formatting.measure_value(value, unit=self.unit, decimal_places=self.decimal_places)

    @property
    def direction_text(self) -> str:
        """'Improving: against 60 in 2024/25 Q3 (published as worsening)'."""
        return direction_sentence(
            direction=self.direction_vs_previous,
            comparison_text=self.previous_value_text,
            comparison_period=self.previous_period,
            published=self.published.direction if self.published else "",
        )

    @property
    def has_target(self) -> bool:
        return bool(self.target_text)


def _period_label(period_type: str, start: dt.date | None, end: dt.date | None) -> str:
    if not (period_type and start and end):
        return ""
    return Period(start, end, PeriodType(period_type)).label


def dashboard_quarters() -> list[Quarter]:
    """Quarters with snapshots, newest first (the quarter selector)."""
    return list(
        DashboardSnapshot.objects.order_by("-quarter").values_list("quarter", flat=True).distinct()
    )


def dashboard_version(*, quarter: Quarter) -> str:
    """Changes whenever the quarter's snapshots are rebuilt: a cache key for rendered tables.
    One query."""
    stats = DashboardSnapshot.objects.filter(quarter=quarter).aggregate(
        count=Count("id"), built=Max("built_at")
    )
    built = stats["built"].timestamp() if stats["built"] else 0
    return f"{stats['count']}-{built:.6f}"


@dataclass(frozen=True)
class HighlightReportState:
    """What a request for the highlight report needs before it can use the cached page: a
    version that changes whenever anything the page shows changes (the snapshots of every
    quarter, as the quarter picker lists them; the catalogue; the published figures), and the
    newest quarter with snapshots (the page's default)."""

    version: str
    earliest_quarter: Quarter | None
    latest_quarter: Quarter | None

    def has_quarter(self, quarter: Quarter | None) -> bool:
        """Whether `quarter` lies within the quarters that have snapshots."""
        return bool(
            quarter
            and self.earliest_quarter
            and self.latest_quarter
            and self.earliest_quarter <= quarter <= self.latest_quarter
        )


def highlight_report_state() -> HighlightReportState:
    """The highlight report's version and its first and newest quarters. One query."""
    from django.db import connection

    parts = {
        DashboardSnapshot: "count(*), max(built_at), min(quarter), max(quarter)",
        Measure: "count(*), sum(version), max(id)",
        PublishedHighlight: "count(*), max(id)",
        PublishedRank: "count(*), max(id)",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(version_columns(parts)))
        row = cursor.fetchone()
    earliest, latest = (
        Quarter.containing(value if isinstance(value, dt.date) else dt.date.fromisoformat(value))
        if value
        else None
        for value in row[2:4]
    )
    return HighlightReportState(
        version=version_of(row), earliest_quarter=earliest, latest_quarter=latest
    )


def dashboard_latest_quarter() -> Quarter | None:
    quarters = dashboard_quarters()
    return quarters[0] if quarters else None


def dashboard_rows(
    *, quarter: Quarter, highlight_only: bool = False, section: str | None = None
) -> list[DashboardRow]:
    """The measures' snapshots for a quarter, in report order. Three queries: snapshots with
    their measures, published highlights, and their ranks."""
    snapshots = (
        DashboardSnapshot.objects.filter(
            quarter=quarter, area__ons_code=settings.HOME_AREA_ONS_CODE, measure__is_active=True
        )
        .select_related("measure", "measure__group")
        .order_by("measure__highlight_order", "measure__code")
    )
    if highlight_only:
        snapshots = snapshots.filter(measure__in_highlight_report=True)
    if section:
        snapshots = snapshots.filter(measure__report_section=section)
    snapshots = list(snapshots)
    published = {
        row.measure_id: row
        for row in PublishedHighlight.objects.filter(
            quarter=quarter, measure_id__in=[s.measure_id for s in snapshots]
        ).prefetch_related(
            Prefetch("ranks", queryset=PublishedRank.objects.select_related("comparator_group"))
        )
    }
    return [_dashboard_row(snapshot, published.get(snapshot.measure_id)) for snapshot in snapshots]


def _dashboard_row(
    snapshot: DashboardSnapshot, highlight: PublishedHighlight | None
) -> DashboardRow:
    measure = snapshot.measure

    def text(value: Decimal | None) -> str:
        return formatting.measure_value(
            value, unit=measure.unit, decimal_places=measure.decimal_places
        )

    ranks = tuple(Rank.from_dict(data) for data in snapshot.ranks)
    target_text = ""
    if snapshot.target_value is not None:
        target_text = text(snapshot.target_value)
        if snapshot.target_tolerance:
            target_text += f" (tolerance {text(snapshot.target_tolerance)})"
    return DashboardRow(
        measure_code=measure.code,
        measure_name=measure.name,
        group_name=measure.group.name if measure.group else "",
        section=measure.report_section,
        section_label=measure.get_report_section_display() if measure.report_section else "",
        frequency=measure.get_frequency_display(),
        polarity=measure.polarity,
        polarity_label=measure.get_polarity_display(),
        unit=measure.unit,
        decimal_places=measure.decimal_places,
        latest_value=snapshot.latest_value,
        latest_value_text=text(snapshot.latest_value),
        latest_period=_period_label(
            snapshot.latest_period_type, snapshot.latest_period_start, snapshot.latest_period_end
        ),
        previous_value_text=text(snapshot.previous_value) if snapshot.previous_period_start else "",
        previous_period=_period_label(
            snapshot.latest_period_type,
            snapshot.previous_period_start,
            snapshot.previous_period_end,
        ),
        direction_vs_previous=snapshot.direction_vs_previous,
        direction_vs_previous_label=snapshot.get_direction_vs_previous_display(),
        last_year_value_text=text(snapshot.last_year_value)
        if snapshot.last_year_period_start
        else "",
        last_year_period=_period_label(
            snapshot.latest_period_type,
            snapshot.last_year_period_start,
            snapshot.last_year_period_end,
        ),
        direction_vs_last_year=snapshot.direction_vs_last_year,
        direction_vs_last_year_label=snapshot.get_direction_vs_last_year_display(),
        status=snapshot.status,
        status_label=snapshot.get_status_display(),
        target_text=target_text,
        sparkline=tuple(
            SparkPoint(label, None if value is None else Decimal(value))
            for label, value in snapshot.sparkline
        ),
        ranks=ranks,
        published=_published(highlight, snapshot, ranks) if highlight else None,
        in_highlight_report=measure.in_highlight_report,
        target_value=snapshot.target_value,
    )


def _published(
    highlight: PublishedHighlight, snapshot: DashboardSnapshot, ranks: tuple[Rank, ...]
) -> PublishedFigures:
    published_ranks = tuple(
        PublishedRankRow(
            group_name=rank.comparator_group.name,
            group_short_name=rank.comparator_group.short_name,
            rank=rank.rank,
            out_of=rank.out_of,
            as_at=rank.as_at,
        )
        for rank in highlight.ranks.all()
    )
    differences = []
    computed = {rank.group: rank for rank in ranks}
    for row in published_ranks:
        mine = computed.get(row.group_name)
        if mine is None or mine.rank is None:
            differences.append(
                f"{row.group_name}: published {formatting.ordinal(row.rank)} of {row.out_of} "
                f"({row.as_at}); the application has no comparator data to check it."
            )
        elif (mine.rank, mine.out_of) != (row.rank, row.out_of):
            differences.append(
                f"{row.group_name}: published {formatting.ordinal(row.rank)} of {row.out_of} "
                f"({row.as_at}); computed from the data {mine.sentence}."
            )
    direction = highlight.direction
    if (
        direction
        and snapshot.direction_vs_previous
        in (DirectionOfTravel.IMPROVING, DirectionOfTravel.WORSENING)
        and direction != snapshot.direction_vs_previous
    ):
        differences.append(
            f"Direction: published as {direction}; computed against the previous period as "
            f"{snapshot.get_direction_vs_previous_display().lower()}."
        )
    return PublishedFigures(
        value_text=highlight.latest_value_as_published,
        direction=direction,
        ranks=published_ranks,
        differences=tuple(differences),
    )


@dataclass(frozen=True)
class SectionSummary:
    slug: str
    label: str
    measure_count: int


def report_sections() -> list[SectionSummary]:
    """The report's sections with how many active measures each has (one query)."""
    counts = dict(
        Measure.objects.filter(is_active=True)
        .exclude(report_section="")
        .values_list("report_section")
        .annotate(n=Count("id"))
    )
    return [
        SectionSummary(slug=choice.value, label=choice.label, measure_count=counts.get(choice, 0))
        for choice in ReportSection
    ]


@dataclass(frozen=True)
class Series:
    """A measure's values for the home area over a run of periods, for a chart."""

    measure_code: str
    measure_name: str
    unit: str
    decimal_places: int
    polarity_label: str
    points: tuple[tuple[str, dt.date, Decimal | None], ...]  # label, period end, value


def section_series(*, section: str, quarter: Quarter, months: int = 13) -> list[Series]:
    """Each measure of a section over the months (or quarters, years) up to the quarter's end:
    the section page's charts. One query for the measures, one for their values."""
    measures = list(
        Measure.objects.filter(report_section=section, is_active=True).order_by(
            "highlight_order", "code"
        )
    )
    since = Month.from_date(quarter.end).shift(-(months - 1)).start
    values = defaultdict(list)
    for obs in Observation.objects.filter(
        measure__in=measures,
        area__ons_code=settings.HOME_AREA_ONS_CODE,
        period_end__lte=quarter.end,
        period_end__gte=since,
    ).order_by("period_end"):
        values[obs.measure_id].append((obs.period.label, obs.period_end, obs.value))
    return [
        Series(
            measure_code=measure.code,
            measure_name=measure.name,
            unit=measure.unit,
            decimal_places=measure.decimal_places,
            polarity_label=measure.get_polarity_display(),
            points=tuple(values[measure.id]),
        )
        for measure in measures
        if len(values[measure.id]) > 1
    ]


def section_commentary(*, section: str, quarter: Quarter) -> SectionCommentary | None:
    return (
        SectionCommentary.objects.filter(section=section, quarter=quarter)
        .select_related("updated_by")
        .first()
    )


# --- One measure ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvenanceRow:
    period: str
    value_text: str
    value_note: str
    file_name: str
    sha256: str
    source: str
    published_on: dt.date | None
    imported_by: str
    imported_at: dt.datetime
    revised_at: dt.datetime | None
    revision_count: int
    previous_value_text: str = ""  # what the latest revision replaced ("missing" for none)


@dataclass(frozen=True)
class ComparatorValue:
    area_name: str
    value: Decimal | None
    is_home: bool


@dataclass(frozen=True)
class MeasureDetail:
    measure: Measure
    home_series: tuple[tuple[str, dt.date, Decimal | None], ...]
    benchmark_series: dict[str, tuple[tuple[str, dt.date, Decimal | None], ...]]
    targets: tuple
    annotations: tuple[MeasureAnnotation, ...]
    comparisons: dict[str, tuple[ComparatorValue, ...]]  # group name -> values at latest period
    comparison_period: str
    provenance: tuple[ProvenanceRow, ...]
    snapshot: DashboardRow | None

    def format(self, value: Decimal | None) -> str:
        return formatting.measure_value(
            value, unit=self.measure.unit, decimal_places=self.measure.decimal_places
        )


BENCHMARK_AREAS = {"E92000001": "England", "E12000002": "North West"}


def measure_detail(*, code: str, quarter: Quarter | None = None) -> MeasureDetail:
    """Everything a measure's page shows, in a fixed number of queries.
    Raises Measure.DoesNotExist."""
    measure = (
        Measure.objects.select_related("group")
        .prefetch_related("targets", "programmes", "objectives", "source_codes")
        .get(code=code)
    )
    home_code = settings.HOME_AREA_ONS_CODE
    observations = list(
        Observation.objects.filter(
            measure=measure, area__ons_code__in=[home_code, *BENCHMARK_AREAS]
        )
        .select_related("area", "batch", "batch__imported_by")
        .annotate(
            revision_count=Count("revisions"),
            previous_value=Subquery(
                ObservationRevision.objects.filter(observation=OuterRef("pk"))
                .order_by("-revised_at", "-id")
                .values("previous_value")[:1]
            ),
        )
        .order_by("period_end")
    )
    if quarter is not None:
        observations = [obs for obs in observations if obs.period_end <= quarter.end]
    home = [obs for obs in observations if obs.area.ons_code == home_code]
    benchmark: dict[str, list] = defaultdict(list)
    for obs in observations:
        if obs.area.ons_code in BENCHMARK_AREAS:
            benchmark[obs.area.name].append((obs.period.label, obs.period_end, obs.value))
    comparisons, comparison_period = {}, ""
    if home:
        latest = home[-1]
        comparison_period = latest.period.label
        groups = ComparatorGroup.objects.prefetch_related("members").order_by("order")
        group_values = {
            obs.area_id: obs.value
            for obs in Observation.objects.filter(
                measure=measure, period_type=latest.period_type, period_start=latest.period_start
            )
        }
        for group in groups:
            members = list(group.members.all())
            if latest.area_id not in {m.id for m in members} or len(members) < 2:
                continue
            comparisons[group.name] = tuple(
                ComparatorValue(area.name, group_values.get(area.id), area.id == latest.area_id)
                for area in members
            )
    snapshot_quarter = quarter or dashboard_latest_quarter()
    snapshot_rows = (
        [row for row in dashboard_rows(quarter=snapshot_quarter) if row.measure_code == code]
        if snapshot_quarter
        else []
    )
    return MeasureDetail(
        measure=measure,
        home_series=tuple((obs.period.label, obs.period_end, obs.value) for obs in home),
        benchmark_series={name: tuple(points) for name, points in benchmark.items()},
        targets=tuple(measure.targets.all()),
        annotations=tuple(measure.annotations.select_related("created_by")),
        comparisons=comparisons,
        comparison_period=comparison_period,
        provenance=tuple(
            ProvenanceRow(
                period=obs.period.label,
                value_text=formatting.measure_value(
                    obs.value, unit=measure.unit, decimal_places=measure.decimal_places
                ),
                value_note=obs.value_note,
                file_name=obs.batch.file_name,
                sha256=obs.batch.sha256,
                source=obs.batch.source,
                published_on=obs.batch.published_on,
                imported_by=(
                    obs.batch.imported_by.get_full_name() or obs.batch.imported_by.get_username()
                )
                if obs.batch.imported_by
                else "Bury demo loader",
                imported_at=obs.batch.imported_at,
                revised_at=obs.revised_at,
                revision_count=obs.revision_count,
                previous_value_text=(
                    formatting.measure_value(
                        obs.previous_value,
                        unit=measure.unit,
                        decimal_places=measure.decimal_places,
                    )
                    if obs.previous_value is not None
                    else "missing"
                )
                if obs.revision_count
                else "",
            )
            for obs in reversed(home)
        ),
        snapshot=snapshot_rows[0] if snapshot_rows else None,
    )


def measure_catalogue(*, section: str = "", search: str = "") -> list[Measure]:
    """The measure catalogue for the list page, filtered; one query."""
    measures = Measure.objects.select_related("group").order_by("report_section", "code")
    if section:
        measures = measures.filter(report_section=section)
    if search:
        measures = measures.filter(Q(code__icontains=search) | Q(name__icontains=search))
    return list(measures)


# --- neighbourhoods ----------------------------------------------------------------------


@dataclass(frozen=True)
class NeighbourhoodValue:
    name: str
    text: str
    suppressed: bool


@dataclass(frozen=True)
class NeighbourhoodMeasure:
    """A measure's latest values by integrated neighbourhood team, small numbers suppressed."""

    measure_code: str
    measure_name: str
    period: str
    values: tuple[NeighbourhoodValue, ...]
    total_text: str


def neighbourhood_measures(
    *, quarter: Quarter, neighbourhood: str | None = None
) -> list[NeighbourhoodMeasure]:
    """Each active measure with values for neighbourhood areas, at its latest period ending by
    the quarter's end, with Bury's total for the same period. Counts are suppressed as
    `bury_hc.disclosure` says (across all neighbourhoods, before any filter to `neighbourhood`,
    so filtering cannot undo the secondary suppression). Two queries."""
    since = quarter.start.replace(year=quarter.start.year - 2)
    latest: dict[int, tuple] = {}
    values: dict[tuple[int, dt.date], dict[str, Decimal | None]] = defaultdict(dict)
    measures: dict[int, Measure] = {}
    for obs in (
        Observation.objects.filter(
            area__kind=Area.Kind.NEIGHBOURHOOD,
            measure__is_active=True,
            period_end__lte=quarter.end,
            period_end__gte=since,
        )
        .select_related("measure", "area")
        .order_by("measure__code", "period_end")
    ):
        measures[obs.measure_id] = obs.measure
        latest[obs.measure_id] = (obs.period_type, obs.period_start, obs.period_end)
        values[(obs.measure_id, obs.period_start)][obs.area.name] = obs.value
    if not latest:
        return []
    totals = {
        (measure_id, start): value
        for measure_id, start, value in Observation.objects.filter(
            area__ons_code=settings.HOME_AREA_ONS_CODE,
            measure_id__in=list(latest),
            period_start__in={start for _, start, _ in latest.values()},
        ).values_list("measure_id", "period_start", "value")
    }
    return [
        _neighbourhood_measure(
            measures[measure_id], period, values[(measure_id, period[1])], totals, neighbourhood
        )
        for measure_id, period in latest.items()
    ]


def _neighbourhood_measure(measure, period, parts, totals, neighbourhood) -> NeighbourhoodMeasure:
    def text(value: Decimal | None) -> str:
        return formatting.measure_value(
            value, unit=measure.unit, decimal_places=measure.decimal_places
        )

    total = totals.get((measure.pk, period[1]))
    is_count = measure.unit == "count"
    hidden = disclosure.suppressed_parts(parts, total_shown=total is not None) if is_count else {}
    shown = [
        NeighbourhoodValue(name, hidden.get(name) or text(value), name in hidden)
        for name, value in sorted(parts.items())
        if neighbourhood is None or name == neighbourhood
    ]
    total_text = (disclosure.total_text_or_suppressed(total) if is_count else None) or (
        text(total) if total is not None else "No Bury total"
    )
    return NeighbourhoodMeasure(
        measure_code=measure.code,
        measure_name=measure.name,
        period=_period_label(*period),
        values=tuple(shown),
        total_text=total_text,
    )
