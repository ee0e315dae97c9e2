"""Reads of measures and their values, shaped for pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Prefetch

from bury_hc import formatting
from bury_hc.periods import Quarter
from performance.models import Measure, Observation, PublishedHighlight, PublishedRank


@dataclass(frozen=True)
class PublishedRankRow:
    group_name: str
    group_short_name: str
    rank: int
    out_of: int
    as_at: str


@dataclass(frozen=True)
class HighlightRow:
    """One line of the quarterly highlight report, as the overview shows it."""

    measure_code: str
    measure_name: str
    group_name: str
    frequency: str
    polarity: str
    latest_value: Decimal | None
    latest_value_text: str
    latest_period: str
    published_value_text: str
    published_direction: str
    published_ranks: tuple[PublishedRankRow, ...]


def highlight_latest_quarter() -> Quarter | None:
    """The most recent quarter for which a highlight report was published."""
    return PublishedHighlight.objects.aggregate(latest=Max("quarter"))["latest"]


def highlight_rows(*, quarter: Quarter) -> list[HighlightRow]:
    """The highlight report's measures with Bury's latest value as at the quarter's end.

    Four queries whatever the number of measures: measures, observations, published rows, ranks.
    """
    measures = list(
        Measure.objects.filter(in_highlight_report=True, is_active=True)
        .select_related("group")
        .order_by("highlight_order", "code")
    )
    latest: dict[int, Observation] = {}
    observations = Observation.objects.filter(
        measure__in=measures,
        area__ons_code=settings.HOME_AREA_ONS_CODE,
        period_end__lte=quarter.end,
    ).order_by("measure_id", "period_end")
    for observation in observations:
        latest[observation.measure_id] = observation  # ordered by date: the last one wins
    published = {
        row.measure_id: row
        for row in PublishedHighlight.objects.filter(
            quarter=quarter, measure__in=measures
        ).prefetch_related(
            Prefetch("ranks", queryset=PublishedRank.objects.select_related("comparator_group"))
        )
    }
    rows = []
    for measure in measures:
        observation = latest.get(measure.id)
        highlight = published.get(measure.id)
        value = observation.value if observation else None
        rows.append(
            HighlightRow(
                measure_code=measure.code,
                measure_name=measure.name,
                group_name=measure.group.name if measure.group else "",
                frequency=measure.get_frequency_display(),
                polarity=measure.get_polarity_display(),
                latest_value=value,
                latest_value_text=formatting.measure_value(
                    value, unit=measure.unit, decimal_places=measure.decimal_places
                ),
                latest_period=observation.period.label if observation else "",
                published_value_text=highlight.latest_value_as_published if highlight else "",
                published_direction=highlight.direction if highlight else "",
                published_ranks=tuple(
                    PublishedRankRow(
                        group_name=rank.comparator_group.name,
                        group_short_name=rank.comparator_group.short_name,
                        rank=rank.rank,
                        out_of=rank.out_of,
                        as_at=rank.as_at,
                    )
                    for rank in (highlight.ranks.all() if highlight else ())
                ),
            )
        )
    return rows


def highlight_quarters() -> list[Quarter]:
    """Quarters with a published highlight report, newest first (for the quarter selector)."""
    return sorted(set(PublishedHighlight.objects.values_list("quarter", flat=True)), reverse=True)
