"""The quality of what an import brought in (reads only): values that moved far from their
series, periods missing from a series, and areas in no comparator group.

A series is one measure for one area at one kind of period (months, quarters, financial
years). pandas does the arithmetic over whole series at once; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from bury_hc.periods import FinancialYear, Month, Period, PeriodType, Quarter
from performance.models import Area, Observation

STANDARD_DEVIATIONS = 3  # a value further than this from the rest of its series is shown
MIN_SERIES = 4  # values a series needs (besides the one judged) before a spread means much
SHOWN = 100  # rows of each kind listed on the page


@dataclass(frozen=True)
class LargeMove:
    measure: str
    measure_name: str
    area: str
    period: str
    value: Decimal
    series_mean: Decimal
    deviations: Decimal  # how many standard deviations from the rest of its series


@dataclass(frozen=True)
class MissingPeriods:
    measure: str
    area: str
    periods: tuple[str, ...]  # the gaps between the series' first and last period


@dataclass(frozen=True)
class QualityReport:
    standard_deviations: int
    large_moves: tuple[LargeMove, ...]
    large_move_count: int
    missing_periods: tuple[MissingPeriods, ...]
    missing_period_count: int
    areas_without_group: tuple[tuple[str, str], ...]  # ONS code, name


def import_quality(*, batch_id: int, k: int = STANDARD_DEVIATIONS) -> QualityReport:
    """The quality checks of the values an import batch wrote (new or revised): three queries
    (the batch's series, their values, the areas without a group)."""
    touched = Observation.objects.filter(batch_id=batch_id) | Observation.objects.filter(
        revisions__batch_id=batch_id
    )
    keys = set(touched.values_list("measure_id", "area_id", "period_type").distinct())
    frame = _series_frame(keys)
    moves = _large_moves(frame, batch_id=batch_id, k=k) if not frame.empty else []
    gaps = _missing_periods(frame) if not frame.empty else []
    area_ids = {area_id for _, area_id, _ in keys}
    lonely = tuple(
        Area.objects.filter(
            id__in=area_ids, kind=Area.Kind.LOCAL_AUTHORITY, comparator_groups__isnull=True
        )
        .order_by("name")
        .values_list("ons_code", "name")
    )
    return QualityReport(
        standard_deviations=k,
        large_moves=tuple(moves[:SHOWN]),
        large_move_count=len(moves),
        missing_periods=tuple(gaps[:SHOWN]),
        missing_period_count=len(gaps),
        areas_without_group=lonely,
    )


def _series_frame(keys: set[tuple[int, int, str]]) -> pd.DataFrame:
    """Every value of the series the batch touched, one row each."""
    columns = [
        "measure_id",
        "area_id",
        "period_type",
        "period_start",
        "period_end",
        "value",
        "batch_id",
        "measure__code",
        "measure__name",
        "area__name",
    ]
    if not keys:
        return pd.DataFrame(columns=columns)
    rows = Observation.objects.filter(
        measure_id__in={m for m, _, _ in keys}, area_id__in={a for _, a, _ in keys}
    ).values_list(*columns)
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    wanted = pd.MultiIndex.from_tuples(sorted(keys))
    return frame[frame.set_index(["measure_id", "area_id", "period_type"]).index.isin(wanted)]


def _large_moves(frame: pd.DataFrame, *, batch_id: int, k: int) -> list[LargeMove]:
    """The batch's values further than k standard deviations from the rest of their series
    (the value itself left out, so one wild value cannot hide by widening the spread)."""
    valued = frame[frame["value"].notna()].copy()
    valued["x"] = valued["value"].astype(float)  # statistics only; values stay Decimal
    series = valued.groupby(["measure_id", "area_id", "period_type"])["x"]
    n = series.transform("count")
    total = series.transform("sum")
    squares = (
        valued["x"]
        .pow(2)
        .groupby([valued["measure_id"], valued["area_id"], valued["period_type"]])
        .transform("sum")
    )
    others = n - 1
    mean = (total - valued["x"]) / others
    variance = (squares - valued["x"] ** 2 - others * mean**2) / (others - 1)
    sd = variance.clip(lower=0) ** 0.5
    valued["mean"], valued["z"] = mean, (valued["x"] - mean).abs() / sd
    flagged = valued[
        (valued["batch_id"] == batch_id) & (others >= MIN_SERIES) & (sd > 0) & (valued["z"] > k)
    ].sort_values("z", ascending=False)
    return [
        LargeMove(
            measure=row.measure__code,
            measure_name=row.measure__name,
            area=row.area__name,
            period=Period(row.period_start, row.period_end, PeriodType(row.period_type)).label,
            value=row.value,
            series_mean=Decimal(str(round(row.mean, 6))),
            deviations=Decimal(str(round(row.z, 1))),
        )
        for row in flagged.itertuples()
    ]


def _missing_periods(frame: pd.DataFrame) -> list[MissingPeriods]:
    """For each series of months, quarters or financial years, the periods between its first
    and last value that it has no row for."""
    found = []
    for (code, area, period_type), group in frame.groupby(
        ["measure__code", "area__name", "period_type"]
    ):
        starts = set(group["period_start"])
        expected = _expected_starts(period_type, min(starts), max(starts))
        if expected is None:
            continue  # days and spans of years: no regular step to expect
        gaps = [label for start, label in expected if start not in starts]
        if gaps:
            found.append(MissingPeriods(measure=code, area=area, periods=tuple(gaps)))
    return found


def _expected_starts(
    period_type: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, str]] | None:
    step = {
        PeriodType.MONTH: (Month.from_date, lambda p: p.shift(1)),
        PeriodType.QUARTER: (Quarter.containing, lambda p: p.next()),
        PeriodType.FINANCIAL_YEAR: (FinancialYear.containing, lambda p: p.next()),
    }.get(PeriodType(period_type))
    if step is None:
        return None
    start_of, advance = step
    period, expected = start_of(first), []
    while period.start <= last:
        expected.append((period.start, period.label))
        period = advance(period)
    return expected
