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


def position_text(rank: int, tied_with: int = 0) -> str:
    """'4th', or 'joint 4th' when others share the place: the one wording of a position, for the
    rank line and the comparison table alike."""
    return f"joint {ordinal(rank)}" if tied_with else ordinal(rank)


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
    def is_ranked(self) -> bool:
        """A rank means something only once at least half the group has published: '1st of 1'
        says nothing."""
        return self.rank is not None and self.out_of * 2 >= self.group_size

    @property
    def position(self) -> str:
        """'joint 4th', or '' when not ranked."""
        if self.rank is None or not self.is_ranked:
            return ""
        return position_text(self.rank, self.tied_with)

    @property
    def sentence(self) -> str:
        return rank_sentence(self)


def rank_sentence(rank: Rank) -> str:
    """The one wording of a computed rank, for the pages and the packs alike:
    'joint 4th of 9 in Greater Manchester (Trafford not yet published), lower is better', or
    'Not ranked in Greater Manchester: 1 of 10 councils published'."""
    if rank.rank is None:
        return f"Not ranked in {rank.group}: no value for the home area"
    if not rank.is_ranked:
        return (
            f"Not ranked in {rank.group}: {rank.out_of} of {rank.group_size} "
            f"council{'s' if rank.group_size != 1 else ''} published"
        )
    text = f"{rank.position} of {rank.out_of} in {rank.group}"
    if len(rank.not_published) > MAX_NAMED_MISSING:
        text += f" ({len(rank.not_published)} of the {rank.group_size} not yet published)"
    elif rank.not_published:
        text += f" ({', '.join(rank.not_published)} not yet published)"
    return f"{text}, {rank.order}"


DIRECTION_WORDS: dict[str, str] = {
    DirectionOfTravel.IMPROVING: "improving",
    DirectionOfTravel.WORSENING: "worsening",
    DirectionOfTravel.NO_CHANGE: "no change",
    DirectionOfTravel.HIGHER: "higher",
    DirectionOfTravel.LOWER: "lower",
    DirectionOfTravel.NOT_COMPARABLE: "not comparable",
}


def direction_sentence(
    *, direction: str, comparison_text: str = "", comparison_period: str = "", published: str = ""
) -> str:
    """The one wording of a direction of travel, for the pages and the packs alike: the word,
    what it compared, and the published direction where it says otherwise.
    'Improving: against 60 in 2024/25 Q3 (published as worsening)'."""
    word = DIRECTION_WORDS.get(direction, direction or "not comparable")
    if direction == DirectionOfTravel.NOT_COMPARABLE or not comparison_period:
        text = f"{word.capitalize()}: no earlier value to compare with"
    else:
        text = f"{word.capitalize()}: against {comparison_text} in {comparison_period}"
    published_word = (published or "").strip().lower()
    if published_word and published_word != word:
        text += f" (published as {published_word})"
    return text


def targets_sentence(*, with_target: int, total: int) -> str:
    """What a table of measures says, once, about those without a target (for the pages and
    the packs alike): '' when every measure has one."""
    if total and not with_target:
        return (
            "No target set for any of these measures: each is judged by its direction of travel "
            "and its rank."
        )
    if with_target < total:
        return (
            f"No target set for {total - with_target} of the {total} measures "
            "(shown as “–” under “Against target”)."
        )
    return ""


def _comparable(value: Decimal, decimal_places: int | None) -> Decimal:
    return value if decimal_places is None else round_half_up(value, decimal_places)


def competition_positions(
    *, values: Mapping[str, Decimal | None], polarity: str, decimal_places: int | None = None
) -> dict[str, tuple[int, int]]:
    """Each published member's (rank, how many others share it), competition ranking ('1224'),
    values compared at the displayed precision. Members without a value are left out."""
    published = {
        name: _comparable(v, decimal_places) for name, v in values.items() if v is not None
    }
    lower_first = polarity == Polarity.LOWER_IS_BETTER
    positions = {}
    for name, value in published.items():
        better = sum(1 for v in published.values() if (v < value if lower_first else v > value))
        tied = sum(1 for v in published.values() if v == value) - 1
        positions[name] = (better + 1, tied)
    return positions


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
    positions = competition_positions(
        values=values, polarity=polarity, decimal_places=decimal_places
    )
    not_published = tuple(sorted(name for name, v in values.items() if v is None))
    orders: dict[str, str] = {
        Polarity.HIGHER_IS_BETTER: "higher is better",
        Polarity.LOWER_IS_BETTER: "lower is better",
    }
    order = orders.get(polarity, "highest first")
    rank, tied = positions.get(home, (None, 0))
    return Rank(
        group=group,
        group_short_name=group_short_name or group,
        rank=rank,
        out_of=len(positions),
        group_size=len(values),
        tied_with=tied,
        not_published=not_published,
        order=order,
    )
