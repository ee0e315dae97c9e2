"""How a value is judged: direction of travel, status against target, rank among comparators.

Pure functions on plain values, used alike by the snapshot rebuild, the pages and the packs.
Every judgement respects the measure's polarity: for a lower-is-better measure (waiting
times, waiting lists) a fall is an improvement and a value under its target meets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from bury_hc.formatting import ordinal, round_half_up
from performance.models import DirectionOfTravel, Polarity, TargetStatus


def direction_of_travel(
    *, polarity: str, current: Decimal | None, comparison: Decimal | None, decimal_places: int = 0
) -> DirectionOfTravel:
    """Compare a value with an earlier one, as people read them: values equal at the measure's
    displayed precision are 'no change'."""
    if current is None or comparison is None:
        return DirectionOfTravel.NOT_COMPARABLE
    now = round_half_up(current, decimal_places)
    before = round_half_up(comparison, decimal_places)
    if now == before:
        return DirectionOfTravel.NO_CHANGE
    rose = now > before
    match polarity:
        case Polarity.HIGHER_IS_BETTER:
            return DirectionOfTravel.IMPROVING if rose else DirectionOfTravel.WORSENING
        case Polarity.LOWER_IS_BETTER:
            return DirectionOfTravel.WORSENING if rose else DirectionOfTravel.IMPROVING
        case _:
            return DirectionOfTravel.HIGHER if rose else DirectionOfTravel.LOWER


def status_against_target(
    *, polarity: str, value: Decimal | None, target: Decimal | None, tolerance: Decimal = Decimal(0)
) -> TargetStatus:
    """Met, within tolerance (on the wrong side of the target by no more than the tolerance),
    or not met. A measure with no judgement has no target to meet."""
    if value is None:
        return TargetStatus.NO_DATA
    if target is None or polarity == Polarity.NO_JUDGEMENT:
        return TargetStatus.NO_TARGET
    shortfall = (target - value) if polarity == Polarity.HIGHER_IS_BETTER else (value - target)
    if shortfall <= 0:
        return TargetStatus.MET
    if shortfall <= tolerance:
        return TargetStatus.WITHIN_TOLERANCE
    return TargetStatus.NOT_MET


MAX_NAMED_MISSING = 3  # beyond this, a rank says how many have not published, not who


@dataclass(frozen=True)
class Rank:
    """Where the home area stands in a comparator group, with the rule that made it."""

    group: str
    group_short_name: str
    rank: int | None
    out_of: int
    group_size: int
    tied_with: int
    not_published: tuple[str, ...]
    order: str  # "lower is better", "higher is better" or "highest first"

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "group_short_name": self.group_short_name,
            "rank": self.rank,
            "out_of": self.out_of,
            "group_size": self.group_size,
            "tied_with": self.tied_with,
            "not_published": list(self.not_published),
            "order": self.order,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Rank:
        return cls(**{**data, "not_published": tuple(data.get("not_published", ()))})

    @property
    def sentence(self) -> str:
        """'3rd of 9 in Greater Manchester (Trafford not yet published), lower is better'."""
        if self.rank is None:
            return f"Not ranked in {self.group}: no value for the home area"
        text = f"{ordinal(self.rank)} of {self.out_of} in {self.group}"
        if self.tied_with:
            text += f" (tied with {self.tied_with} other{'s' if self.tied_with > 1 else ''})"
        if len(self.not_published) > MAX_NAMED_MISSING:
            text += f" ({len(self.not_published)} of the {self.group_size} not yet published)"
        elif self.not_published:
            names = ", ".join(self.not_published)
            text += f" ({names} not yet published)"
        return f"{text}, {self.order}"


def rank_in_group(
    *,
    values: Mapping[str, Decimal | None],
    home: str,
    polarity: str,
    group: str,
    group_short_name: str = "",
    decimal_places: int | None = None,
) -> Rank:
    """Competition ranking ('1224') of the home area among the group's members with a value.

    `values` maps each member's name to its value (None when it has not published). Values are
    compared at the measure's displayed precision when `decimal_places` is given, so councils
    that look equal in the table share a rank.
    """

    def comparable(value: Decimal) -> Decimal:
        return value if decimal_places is None else round_half_up(value, decimal_places)

    published = {name: comparable(v) for name, v in values.items() if v is not None}
    not_published = tuple(sorted(name for name, v in values.items() if v is None))
    order = {
        Polarity.HIGHER_IS_BETTER: "higher is better",
        Polarity.LOWER_IS_BETTER: "lower is better",
    }.get(polarity, "highest first")
    home_value = published.get(home)
    if home_value is None:
        rank, tied = None, 0
    else:
        lower_first = polarity == Polarity.LOWER_IS_BETTER
        better = sum(
            1 for v in published.values() if (v < home_value if lower_first else v > home_value)
        )
        rank = better + 1
        tied = sum(1 for v in published.values() if v == home_value) - 1
    return Rank(
        group=group,
        group_short_name=group_short_name or group,
        rank=rank,
        out_of=len(published),
        group_size=len(values),
        tied_with=tied,
        not_published=not_published,
        order=order,
    )
