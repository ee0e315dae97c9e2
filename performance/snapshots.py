"""Rebuilding the dashboard snapshots: what each measure shows at the end of each quarter.

The rebuild reads observations and writes `DashboardSnapshot` rows; pages read only snapshots.
It works measure by measure in chunks (memory stays flat however many rows there are) and
only over the scope it is given, so an import that touched one quarter rebuilds that quarter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min

from bury_hc.periods import Period, PeriodType, Quarter
from performance.assessment import direction_of_travel, rank_in_group, status_against_target
from performance.models import (
    Area,
    ComparatorGroup,
    DashboardSnapshot,
    Measure,
    Observation,
    Target,
)

MEASURES_PER_CHUNK = 10
SPARKLINE_LENGTH = 8


@dataclass(frozen=True)
class Point:
    """One observed value of the home area, as the rebuild needs it."""

    period_type: str
    start: dt.date
    end: dt.date
    value: Decimal | None

    @property
    def label(self) -> str:
        return Period(self.start, self.end, PeriodType(self.period_type)).label


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def latest_data_quarter() -> Quarter | None:
    """The last quarter any observation ends in: the newest quarter a dashboard can show."""
    latest = Observation.objects.aggregate(latest=Max("period_end"))["latest"]
    return Quarter.containing(latest) if latest else None


def snapshot_scope_for_batch(*, batch_id: int) -> tuple[list[int], list[Quarter]]:
    """The measures and quarters whose snapshots an import batch changed: every quarter from
    the earliest period it touched up to the newest quarter with data. Call it before a
    rollback deletes the batch's values."""
    created = Observation.objects.filter(batch_id=batch_id)
    revised = Observation.objects.filter(revisions__batch_id=batch_id)
    measure_ids = set(created.values_list("measure_id", flat=True).distinct())
    measure_ids |= set(revised.values_list("measure_id", flat=True).distinct())
    earliest = [qs.aggregate(first=Min("period_end"))["first"] for qs in (created, revised)]
    earliest = [day for day in earliest if day]
    newest = latest_data_quarter()
    if not measure_ids or not earliest or newest is None:
        return sorted(measure_ids), []
    return sorted(measure_ids), quarters_between(Quarter.containing(min(earliest)), newest)


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    quarters, quarter = [], first
    while quarter <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def snapshots_rebuild(
    *, measure_ids: Iterable[int] | None = None, quarters: Sequence[Quarter] | None = None
) -> int:
    """Rebuild the home area's snapshots for the given measures and quarters (all when None).

    Idempotent: the snapshots of the scope are replaced, chunk by chunk, each chunk in its own
    transaction. Quarters before a measure's first value get no snapshot. Returns how many
    snapshots were written.
    """
    home = Area.objects.filter(ons_code=settings.HOME_AREA_ONS_CODE).first()
    newest = latest_data_quarter()
    if home is None or newest is None:
        return 0  # nothing to show until the home area and some values exist
    measures = Measure.objects.filter(is_active=True).order_by("id")
    if measure_ids is not None:
        measures = measures.filter(id__in=list(measure_ids))
    groups = [
        (group, {area.id: area.name for area in group.members.all()})
        for group in ComparatorGroup.objects.prefetch_related("members")
    ]
    groups = [(group, members) for group, members in groups if home.id in members]
    measure_list = list(measures)
    written = 0
    for index in range(0, len(measure_list), MEASURES_PER_CHUNK):
        chunk = measure_list[index : index + MEASURES_PER_CHUNK]
        written += _rebuild_chunk(chunk, home=home, groups=groups, quarters=quarters, newest=newest)
    return written


LOOKBACK_YEARS = {"monthly": 3, "quarterly": 3, "annual": 9}


def _window_start(chunk, quarters) -> dt.date | None:
    """How far back a scoped rebuild must read: enough for the sparkline, the previous value
    and the same period a year earlier of the earliest quarter in scope."""
    if quarters is None:
        return None
    years = max(LOOKBACK_YEARS.get(measure.frequency, 9) for measure in chunk)
    first = min(quarters).start
    return first.replace(year=first.year - years)


def _rebuild_chunk(chunk, *, home, groups, quarters, newest) -> int:
    member_ids = {area_id for _, members in groups for area_id in members} | {home.id}
    window_start = _window_start(chunk, quarters)
    rows = Observation.objects.filter(measure__in=chunk, area_id__in=member_ids)
    if window_start is not None:
        rows = rows.filter(period_end__gte=window_start, period_end__lte=max(quarters).end)
    rows = rows.order_by("measure_id", "period_end").values_list(
        "measure_id", "area_id", "period_type", "period_start", "period_end", "value"
    )
    home_points: dict[int, list[Point]] = defaultdict(list)
    by_period: dict[tuple[int, str, dt.date], dict[int, Decimal | None]] = defaultdict(dict)
    for measure_id, area_id, period_type, start, end, value in rows.iterator(chunk_size=5000):
        if area_id == home.id:
            home_points[measure_id].append(Point(period_type, start, end, value))
        by_period[(measure_id, period_type, start)][area_id] = value
    if window_start is not None:
        _add_stale_latest(chunk, home, window_start, home_points, by_period, member_ids)
    targets = defaultdict(list)
    for target in Target.objects.filter(measure__in=chunk):
        targets[target.measure_id].append(target)

    snapshots = []
    scope: list[tuple[int, Quarter]] = []
    for measure in chunk:
        points = home_points.get(measure.id, [])
        if quarters is None:
            wanted = quarters_between(Quarter.containing(points[0].end), newest) if points else []
        else:
            wanted = list(quarters)
        for quarter in wanted:
            scope.append((measure.id, quarter))
            snapshot = _snapshot(
                measure,
                quarter,
                home=home,
                points=points,
                by_period=by_period,
                groups=groups,
                targets=targets[measure.id],
            )
            if snapshot is not None:
                snapshots.append(snapshot)
    with transaction.atomic():
        for measure_id, quarter_starts in _group_scope(scope).items():
            DashboardSnapshot.objects.filter(
                measure_id=measure_id, area=home, quarter__in=quarter_starts
            ).delete()
        DashboardSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    return len(snapshots)


def _add_stale_latest(chunk, home, window_start, home_points, by_period, member_ids) -> None:
    """A measure whose newest home value is older than the window still shows it (as the
    latest as at quarter end): fetch that one value and its comparators."""
    stale = [measure.id for measure in chunk if measure.id not in home_points]
    if not stale:
        return
    latest = {}
    for obs in (
        Observation.objects.filter(measure_id__in=stale, area=home, period_end__lt=window_start)
        .order_by("measure_id", "-period_end")
        .values_list("measure_id", "period_type", "period_start", "period_end", "value")
    ):
        latest.setdefault(obs[0], obs)
    for measure_id, period_type, start, end, value in latest.values():
        home_points[measure_id].append(Point(period_type, start, end, value))
        for area_id, other in Observation.objects.filter(
            measure_id=measure_id,
            period_type=period_type,
            period_start=start,
            area_id__in=member_ids,
        ).values_list("area_id", "value"):
            by_period[(measure_id, period_type, start)][area_id] = other


def _group_scope(scope: list[tuple[int, Quarter]]) -> dict[int, list[Quarter]]:
    grouped: dict[int, list[Quarter]] = defaultdict(list)
    for measure_id, quarter in scope:
        grouped[measure_id].append(quarter)
    return grouped


def _snapshot(measure, quarter, *, home, points, by_period, groups, targets):
    visible = [point for point in points if point.end <= quarter.end]
    if not visible:
        return None
    latest = visible[-1]
    same_type = [point for point in visible if point.period_type == latest.period_type]
    previous = same_type[-2] if len(same_type) > 1 else None
    year_ago_start = _year_earlier(latest.start)
    last_year = next(
        (point for point in reversed(same_type) if point.start == year_ago_start), None
    )
    target = next(
        (t for t in reversed(targets) if t.applies_from <= latest.end <= t.applies_to), None
    )
    values_at_latest = by_period.get((measure.id, latest.period_type, latest.start), {})
    ranks = [
        rank_in_group(
            values={name: values_at_latest.get(area_id) for area_id, name in members.items()},
            home=home.name,
            polarity=measure.polarity,
            group=group.name,
            group_short_name=group.short_name,
            decimal_places=measure.decimal_places,
        ).as_dict()
        for group, members in groups
        if len(members) > 1
    ]
    places = measure.decimal_places
    return DashboardSnapshot(
        measure=measure,
        quarter=quarter,
        area=home,
        latest_value=latest.value,
        latest_period_type=latest.period_type,
        latest_period_start=latest.start,
        latest_period_end=latest.end,
        previous_value=previous.value if previous else None,
        previous_period_start=previous.start if previous else None,
        previous_period_end=previous.end if previous else None,
        last_year_value=last_year.value if last_year else None,
        last_year_period_start=last_year.start if last_year else None,
        last_year_period_end=last_year.end if last_year else None,
        direction_vs_previous=direction_of_travel(
            polarity=measure.polarity,
            current=latest.value,
            comparison=previous.value if previous else None,
            decimal_places=places,
        ),
        direction_vs_last_year=direction_of_travel(
            polarity=measure.polarity,
            current=latest.value,
            comparison=last_year.value if last_year else None,
            decimal_places=places,
        ),
        target_value=target.value if target else None,
        target_tolerance=target.tolerance if target else None,
        status=status_against_target(
            polarity=measure.polarity,
            value=latest.value,
            target=target.value if target else None,
            tolerance=target.tolerance if target else Decimal(0),
        ),
        sparkline=[
            [point.label, None if point.value is None else format(point.value, "f")]
            for point in same_type[-SPARKLINE_LENGTH:]
        ],
        ranks=ranks,
    )
