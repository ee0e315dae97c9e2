"""Rule-based first drafts of commentary, from what the snapshots already say.

A suggestion is offered to the performance team on the commentary form: they start from it or
ignore it, and only the text they save (`SectionCommentary`) is ever shown or published.
Pure functions on `DashboardRow`s; the wording of ranks and directions is
`performance.assessment`'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from bury_hc.formatting import round_half_up
from performance.models import DirectionOfTravel, Polarity, TargetStatus
from performance.selectors import DashboardRow

NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
PERIOD_WORDS = {"Monthly": "months", "Quarterly": "quarters", "Annual": "years"}


def improvement_run(row: DashboardRow) -> int:
    """How many periods running the measure has moved the same way (positive: improved,
    negative: worsened), judged by polarity at its displayed precision; 0 for none."""
    values = [
        round_half_up(point.value, row.decimal_places)
        for point in row.sparkline
        if point.value is not None
    ]
    if row.polarity not in (Polarity.HIGHER_IS_BETTER, Polarity.LOWER_IS_BETTER):
        return 0
    sign = 1 if row.polarity == Polarity.HIGHER_IS_BETTER else -1
    run = 0
    for before, after in reversed(list(itertools.pairwise(values))):
        step = (after - before) * sign
        if step == 0 or (run and (step > 0) != (run > 0)):
            break
        run += 1 if step > 0 else -1
    return run


def _run_text(row: DashboardRow, run: int) -> str:
    periods = PERIOD_WORDS.get(row.frequency, "periods")
    count = NUMBER_WORDS.get(abs(run), str(abs(run)))
    return f"{'Improved' if run > 0 else 'Worsened'} {count} {periods} running"


def _target_text(row: DashboardRow) -> str:
    target = row.target_value
    if target is None or row.latest_value is None:
        return ""
    if row.status == TargetStatus.MET:
        return f"meets its target of {row.target_text}"
    gap = abs(row.latest_value - target)
    unit = " points" if row.unit == "percentage" else ""
    amount = row.format(gap) if not unit else f"{round_half_up(gap, row.decimal_places)}{unit}"
    return f"{amount} off its target of {row.target_text}"


def measure_suggestion(row: DashboardRow) -> str:
    """'Improved three quarters running; 3rd of 9 in Greater Manchester, lower is better;
    4 points off its target of 90%.' One sentence about one measure."""
    parts = []
    run = improvement_run(row)
    if abs(run) >= 2:
        parts.append(_run_text(row, run))
    elif row.direction_vs_previous != DirectionOfTravel.NOT_COMPARABLE:
        parts.append(row.direction_text)
    parts += [rank.sentence for rank in row.ranks if rank.is_ranked]
    target_text = _target_text(row)
    if target_text:
        parts.append(target_text)
    if not parts:
        parts.append("No earlier value or comparator to judge it by yet")
    return f"{row.measure_name}: {row.latest_value_text} ({row.latest_period}). {'; '.join(parts)}."


def section_suggestion(rows: Sequence[DashboardRow]) -> str:
    """A first draft for a report section: how many measures improved, worsened or missed their
    target, then a sentence per measure."""
    improved = sum(r.direction_vs_previous == DirectionOfTravel.IMPROVING for r in rows)
    worsened = sum(r.direction_vs_previous == DirectionOfTravel.WORSENING for r in rows)
    missed = sum(r.status == TargetStatus.NOT_MET for r in rows)
    summary = (
        f"Of {len(rows)} measure{'' if len(rows) == 1 else 's'}, {improved} improved and "
        f"{worsened} worsened on the period before; "
        f"{missed} {'is' if missed == 1 else 'are'} off target."
    )
    sentences = [measure_suggestion(row) for row in rows]
    return "\n\n".join([summary, *sentences])
